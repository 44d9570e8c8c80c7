package io.jobqueue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import org.junit.jupiter.api.Test;

class RedisUrlTest {

    @Test
    void readsEveryPart() {
        assertEquals(new RedisUrl("cache.local", 6390, 2, "app", "s3cr:t", false), RedisUrl.parse("redis://app:s3cr%3At@cache.local:6390/2"));
        assertEquals(new RedisUrl("localhost", 6379, 0, null, null, false), RedisUrl.parse("redis://localhost"));
        assertEquals(new RedisUrl("h", 6379, 0, null, "pw", true), RedisUrl.parse("rediss://:pw@h"));
        assertEquals(new RedisUrl("h", 6379, 0, null, "pw", false), RedisUrl.parse("redis://pw@h"));
    }

    @Test
    void refusesWhatIsNotARedisUrl() {
        assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("http://h:1"));
        assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("redis://h:1/zero"));
        assertThrows(IllegalArgumentException.class, () -> RedisUrl.parse("localhost:6379"));
    }

    @Test
    void neverLogsThePassword() {
        String shown = RedisUrl.parse("redis://app:secret@h:1/0").redacted();
        assertEquals("redis://app:***@h:1/0", shown);
        assertTrue(!shown.contains("secret"));
    }
}
