package io.jobqueue.redis;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobqueue.job.JobJson;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/** Reading and clearing the lists, for the API and the monitor. */
public final class JobLists {

    private static final RedisScript<Long> CLEAR_QUEUE = LuaScript.returningNumber("clearQueue");

    private final StringRedisTemplate redis;
    private final RedisKeys keys;

    public JobLists(StringRedisTemplate redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** The length of every list, by API name, in one round trip. */
    public Map<String, Long> stats() {
        QueueType[] types = QueueType.values();
        List<Object> lengths = redis.executePipelined((RedisCallback<Object>) connection -> {
            for (QueueType type : types) {
                connection.listCommands().lLen(keys.of(type).getBytes(java.nio.charset.StandardCharsets.UTF_8));
            }
            return null;
        });
        Map<String, Long> stats = new LinkedHashMap<>();
        for (int i = 0; i < types.length; i++) {
            stats.put(types[i].apiName(), (Long) lengths.get(i));
        }
        return stats;
    }

    /**
     * Jobs of one list, newest first, from {@code start}, at most {@code count}. A value that is not JSON (pushed by
     * another client) is shown as {@code {"invalid": ..., "raw": ...}} rather than breaking the page.
     */
    public List<JsonNode> page(QueueType type, long start, int count) {
        List<String> values = redis.opsForList().range(keys.of(type), start, start + count - 1);
        List<JsonNode> jobs = new ArrayList<>(values == null ? 0 : values.size());
        if (values != null) {
            for (String value : values) {
                jobs.add(readOrWrap(value));
            }
        }
        return jobs;
    }

    /** Removes every job of one list, and answers how many there were. */
    public long clear(QueueType type) {
        List<String> clearKeys = type == QueueType.PROCESSING
                ? List.of(keys.processing(), keys.leases())
                : List.of(keys.of(type));
        return redis.execute(CLEAR_QUEUE, clearKeys);
    }

    private static JsonNode readOrWrap(String value) {
        try {
            return JobJson.MAPPER.readTree(value);
        } catch (JsonProcessingException e) {
            ObjectNode wrapper = JobJson.MAPPER.createObjectNode();
            wrapper.put("invalid", "not JSON: " + e.getOriginalMessage());
            wrapper.put("raw", value);
            return wrapper;
        }
    }
}
