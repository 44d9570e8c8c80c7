package io.jobqueue.redis;

import java.util.List;

import org.springframework.core.io.ClassPathResource;
import org.springframework.data.redis.core.script.RedisScript;

/** Loads the transition scripts in {@code src/main/resources/lua}; each is sent once and then run by its SHA. */
public final class LuaScript {

    private LuaScript() {
    }

    /** A script that returns an array (of integers or of values). */
    @SuppressWarnings({ "rawtypes", "unchecked" })
    public static RedisScript<List<Object>> returningList(String name) {
        return (RedisScript) RedisScript.of(new ClassPathResource("lua/" + name + ".lua"), List.class);
    }

    public static RedisScript<Long> returningNumber(String name) {
        return RedisScript.of(new ClassPathResource("lua/" + name + ".lua"), Long.class);
    }
}
