package io.jobqueue.testing;

import java.nio.file.Path;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * For tests that run the packaged jar as worker processes: each test gets its own {@link JarWorkers} (a fresh queue
 * and channel, logs in a temporary directory), a plain Redis client and a recorder of the queue's events, all closed
 * after it, the worker processes first.
 */
public abstract class WithJarWorkers {

    @TempDir
    protected Path work;

    protected JarWorkers workers;
    protected Jedis redis;
    protected EventRecorder events;

    private final String queuePrefix;

    protected WithJarWorkers(String queuePrefix) {
        this.queuePrefix = queuePrefix;
    }

    @BeforeEach
    void startWorkersRedisAndEvents() throws Exception {
        workers = new JarWorkers(work, queuePrefix);
        redis = TestRedis.plainClient();
        events = new EventRecorder(workers.channel);
    }

    @AfterEach
    void closeWorkersRedisAndEvents() throws Exception {
        workers.close();
        events.close();
        redis.close();
    }
}
