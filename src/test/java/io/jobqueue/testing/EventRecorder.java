package io.jobqueue.testing;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.TimeUnit;
import java.util.function.Predicate;
import java.util.function.Supplier;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.JedisPubSub;

/**
 * Subscribes to an events channel with a plain Redis client and keeps every event, parsed, in arrival order, with
 * when it arrived (System.nanoTime of this JVM: a clock no process under test can skew).
 */
public final class EventRecorder implements AutoCloseable {

    private record Arrival(JsonNode event, long nanos) {
    }

    private final List<Arrival> events = new CopyOnWriteArrayList<>();
    private final JedisPubSub subscription;
    private final Thread thread;

    /** Records the events published on the shared test Redis. */
    public EventRecorder(String channel) throws InterruptedException {
        this(channel, TestRedis::plainClient);
    }

    /** Records the events published on another Redis (a {@link PrivateRedis}): {@code client} makes the subscriber. */
    public EventRecorder(String channel, Supplier<Jedis> client) throws InterruptedException {
        CountDownLatch subscribed = new CountDownLatch(1);
        subscription = new JedisPubSub() {
            @Override
            public void onMessage(String ignored, String message) {
                events.add(new Arrival(JobJson.read(message), System.nanoTime()));
            }

            @Override
            public void onSubscribe(String ignored, int count) {
                subscribed.countDown();
            }
        };
        thread = new Thread(() -> {
            try (Jedis jedis = client.get()) {
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
        List<JsonNode> all = new ArrayList<>(events.size());
        for (Arrival arrival : events) {
            all.add(arrival.event());
        }
        return all;
    }

    /** The statuses of one job's events, in order. */
    public List<String> statusesOf(String jobId) {
        List<String> statuses = new ArrayList<>();
        for (JsonNode event : all()) {
            if (jobId.equals(event.path("jobId").asText())) {
                statuses.add(event.path("status").asText());
            }
        }
        return statuses;
    }

    /** One job's events with the given status, in order. */
    public List<JsonNode> eventsOf(String jobId, String status) {
        List<JsonNode> found = new ArrayList<>();
        for (JsonNode event : all()) {
            if (jobId.equals(event.path("jobId").asText()) && status.equals(event.path("status").asText())) {
                found.add(event);
            }
        }
        return found;
    }

    /** When (System.nanoTime) the {@code nth} (0-based) event of the job with that status arrived; -1 if it has not. */
    public long arrivalNanos(String jobId, String status, int nth) {
        int seen = 0;
        for (Arrival arrival : events) {
            JsonNode event = arrival.event();
            if (jobId.equals(event.path("jobId").asText()) && status.equals(event.path("status").asText()) && seen++ == nth) {
                return arrival.nanos();
            }
        }
        return -1;
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
