package io.jobqueue.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/** Subscribes to an events channel with a plain Redis client and keeps every event, parsed, in arrival order. */
public final class EventRecorder implements AutoCloseable {

    private final List<JsonNode> events = new CopyOnWriteArrayList<>();
    private final JedisPubSub subscription;
    private final Thread thread;

    public EventRecorder(String channel) throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(1);
        subscription = new JedisPubSub() {
            @Override
            public void onMessage(String ignored, String message) {
                events.add(JobJson.read(message));
            }

            @Override
            public void onSubscribe(String ignored, int count) {
                subscribed.countDown();
            }
        };
        thread = new Thread(() -> {
            try (Jedis jedis = TestRedis.plainClient()) {
                jedis.subscribe(subscription, channel);
            }
        }, "event-recorder");
        thread.setDaemon(true);
        thread.start();
        if (!subscribed.await(5, TimeUnit.SECONDS)) {
            throw new IllegalStateException("could not subscribe to " + channel);
        }
    }

    public List<JsonNode> all() {
        return new ArrayList<>(events);
    }

    /** The statuses of one job's events, in order. */
    public List<String> statusesOf(String jobId) {
        List<String> statuses = new ArrayList<>();
        for (JsonNode event : events) {
            if (jobId.equals(event.path("jobId").asText())) {
                statuses.add(event.path("status").asText());
            }
        }
        return statuses;
    }

    /** Waits until {@code condition} holds for the events so far. */
    public boolean await(Predicate<List<JsonNode>> condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.test(all())) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.test(all());
    }

    @Override
    public void close() throws InterruptedException {
        subscription.unsubscribe();
        thread.join(2000);
    }
}
