package io.jobqueue.events;

import java.util.ArrayList;
import java.util.List;
import java.util.Queue;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.locks.LockSupport;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.redis.LuaScript;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Publishes job events on the events channel ({@code job_status}), in the order they are handed in: a single
 * publisher thread sends all that are waiting in one round trip (publishEvents.lua). Handing an event in costs a
 * queue insert; the publisher is woken only when it sleeps. Events are notifications, the lists are the truth: when
 * Redis cannot be reached an event is dropped and counted (beyond a backlog bound, oldest first), and no job waits.
 */
public final class JobEvents extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);
    private static final RedisScript<Long> PUBLISH_EVENTS = LuaScript.returningNumber("publishEvents");
    private static final int MAX_PER_CALL = 1000;
    private static final int MAX_BACKLOG = 100_000;

    private final String channel;
    private final StringRedisTemplate redis;
    private final Queue<String> waiting = new ConcurrentLinkedQueue<>();
    private final AtomicInteger backlog = new AtomicInteger();
    private final AtomicBoolean sleeping = new AtomicBoolean();
    private final AtomicLong dropped = new AtomicLong();
    private volatile Thread publisher;
    private volatile boolean running;

    public JobEvents(StringRedisTemplate redis, String channel) {
        this.redis = redis;
        this.channel = channel;
    }

    /**
     * Exchange property: a {@link JobEvent.Ready} for the body's job, written by the worker thread that moved it, so
     * that the jobevents: endpoint (run on the thread that completed the move) publishes it as written.
     */
    public static final String READY = "JobQueueReadyEvent";

    /** Announces the job's current status (what the jobevents: endpoint does with its body). */
    public void publish(Job job) {
        if (job != null) {
            publish(JobEvent.of(job, System.currentTimeMillis()).json());
        }
    }

    /** Publishes an event as written. */
    public void publish(String event) {
        if (backlog.incrementAndGet() > MAX_BACKLOG) {
            backlog.decrementAndGet();
            drop(1, "more than " + MAX_BACKLOG + " events waiting");
            return;
        }
        waiting.add(event);
        Thread thread = publisher;
        if (thread != null && sleeping.compareAndSet(true, false)) {
            LockSupport.unpark(thread);
        }
    }

    private void publishLoop() {
        List<String> batch = new ArrayList<>(MAX_PER_CALL + 1);
        while (running || !waiting.isEmpty()) {
            String event;
            while (batch.size() < MAX_PER_CALL && (event = waiting.poll()) != null) {
                batch.add(event);
            }
            if (batch.isEmpty()) {
                sleeping.set(true);
                if (waiting.isEmpty() && running) {
                    LockSupport.parkNanos(this, 100_000_000L);
                }
                sleeping.set(false);
                continue;
            }
            backlog.addAndGet(-batch.size());
            try {
                Object[] args = new Object[1 + batch.size()];
                args[0] = channel;
                for (int i = 0; i < batch.size(); i++) {
                    args[i + 1] = batch.get(i);
                }
                redis.execute(PUBLISH_EVENTS, List.of(), args);
            } catch (RuntimeException e) {
                drop(batch.size(), e.toString());
            }
            batch.clear();
        }
    }

    private void drop(int count, String why) {
        long total = dropped.addAndGet(count);
        if (total == count || total / 1000 != (total - count) / 1000) {
            LOG.warn("Could not publish job events ({} dropped so far): {}", total, why);
        }
    }

    @Override
    protected void doStart() {
        running = true;
        Thread thread = new Thread(this::publishLoop, "job-events");
        thread.setDaemon(true);
        publisher = thread;
        thread.start();
    }

    /** Stops after publishing what was handed in. */
    @Override
    protected void doStop() throws InterruptedException {
        running = false;
        Thread thread = publisher;
        if (thread != null) {
            LockSupport.unpark(thread);
            thread.join(5000);
        }
    }
}
