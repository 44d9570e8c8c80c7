package io.jobqueue.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

import org.springframework.data.redis.core.script.RedisScript;

/**
 * Loads the transition scripts in {@code src/main/resources/lua}; each is sent once and then run by its SHA.
 * A line {@code --@include name} is replaced by {@code lua/includes/name.lua}: helpers several scripts share (as
 * BullMQ's {@code includes/}). The text is read once, here: a script made from a classpath resource would look the
 * resource up in the jar on every call to see whether it changed.
 */
public final class LuaScript {

    private static final Pattern INCLUDE = Pattern.compile("(?m)^--@include (\\w+)$");

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

    static String text(String name) {
        String script = resource("/lua/" + name + ".lua");
        Matcher include = INCLUDE.matcher(script);
        StringBuilder out = new StringBuilder(script.length() + 512);
        while (include.find()) {
            include.appendReplacement(out, Matcher.quoteReplacement(resource("/lua/includes/" + include.group(1) + ".lua")));
        }
        return include.appendTail(out).toString();
    }

    private static String resource(String path) {
        try (InputStream in = LuaScript.class.getResourceAsStream(path)) {
            if (in == null) {
                throw new IllegalStateException("no script " + path + " on the classpath");
            }
            return new String(in.readAllBytes(), StandardCharsets.UTF_8);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }
}
