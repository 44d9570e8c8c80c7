package io.jobqueue.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * Loads the transition scripts in {@code src/main/resources/lua}; each is sent once and then run by its SHA.
 * The text is read once, here: a script made from a classpath resource would look the resource up in the jar on
 * every call to see whether it changed.
 */
public final class LuaScript {

    private LuaScript() {
    }

    /** A script that returns an array (of integers or of values). */
    @SuppressWarnings({ "rawtypes", "unchecked" })
    public static RedisScript<List<Object>> returningList(String name) {
        return (RedisScript) RedisScript.of(text(name), List.class);
    }

    public static RedisScript<Long> returningNumber(String name) {
        return RedisScript.of(text(name), Long.class);
    }

    private static String text(String name) {
        try (InputStream in = LuaScript.class.getResourceAsStream("/lua/" + name + ".lua")) {
            if (in == null) {
                throw new IllegalStateException("no script lua/" + name + ".lua on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
