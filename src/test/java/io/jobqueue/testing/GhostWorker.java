package io.jobqueue.testing;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;

import io.jobqueue.job.Job;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.RedisKeys;
import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.worker.ReservedJob;
import io.jobqueue.worker.WorkerIdentity;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * A worker process of one thread that takes jobs, starts some, and dies: it never sends a heartbeat after registering.
 * It goes through the same scripts as a real worker, so what it leaves in Redis is exactly what a worker killed with
 * -9 at that point leaves, and a test can watch a live process's reaper clean up after it.
 */
public final class GhostWorker implements AutoCloseable {

    public final String processId;
    public final String workerId;
    private final JedisConnectionFactory connections;
    private final JobStore store;

    /** Registers a process whose heartbeat runs out after {@code timeoutMs}. */
    public GhostWorker(String queue, String channel, long timeoutMs) {
        URI url = URI.create(TestRedis.url());
        connections = new JedisConnectionFactory(new RedisStandaloneConfiguration(url.getHost(), url.getPort()));
        connections.afterPropertiesSet();
        connections.start();
        StringRedisTemplate redis = new StringRedisTemplate(connections);
        RedisKeys keys = new RedisKeys(queue, channel);
        processId = "ghost-1-" + UUID.randomUUID().toString().substring(0, 4);
        workerId = processId + "-1";
        new WorkerRegistry(redis, keys, timeoutMs).register(processId, Map.of("threads", "1"));
        store = new JobStore(redis, redis, keys, new JobStore.Retention(-1, -1, -1, -1), 5000);
        store.start();
        fence = store.recover(workerId).fence();
    }

    private final long fence;

    /** Takes and reserves up to {@code max} jobs, as a worker thread does before it starts any. */
    public List<ReservedJob> takeAndReserve(int max) {
        List<ReservedJob> reserved = new ArrayList<>();
        List<Job> jobs = new ArrayList<>();
        for (byte[] value : store.take(workerId, fence, max, Duration.ofSeconds(1))) {
            Job job = Job.fromTaken(value, Long.MAX_VALUE, Instant.now()).withRun(WorkerIdentity.newRun(processId));
            reserved.add(new ReservedJob(value, job));
            jobs.add(job);
        }
        store.reserve(workerId, jobs, false);
        return reserved;
    }

    /** Starts a reserved job: it is now 'processing', held by this (soon dead) process. */
    public Job start(ReservedJob reserved) {
        return store.start(workerId, reserved.taken(), reserved.job().started(workerId, System.currentTimeMillis())).join();
    }

    public static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    @Override
    public void close() {
        store.stop();
        connections.destroy();
    }
}
