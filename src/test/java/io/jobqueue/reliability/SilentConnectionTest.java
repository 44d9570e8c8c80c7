package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.FaultProxy;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Issue item 4, "no blocking call waits forever": the worker process reaches Redis only through a {@link FaultProxy},
 * while the test reaches it directly. The proxy then loses the network in three ways (a flow dropped without FIN or
 * RST, a reset, a freeze) just as a job arrives: an idle worker's blocking take (BLMOVE, which Redis answers by
 * moving the job into that thread's reserved list) has its reply lost. Every thread must notice within poll-timeout
 * + a few seconds, reconnect and go on, and the job it had moved must run, exactly once. Last, drains of hundreds of
 * jobs with the network dropped, or frozen three times, midway: every job completes exactly once, and nothing is left
 * in a reserved list.
 */
class SilentConnectionTest {

    private static final int CONCURRENCY = 4;
    private static final int POLL_TIMEOUT_SECONDS = 1;
    /** What the issue allows a thread to notice a dead connection and work again: poll-timeout + a few seconds. */
    private static final Duration BACK_TO_WORK = Duration.ofSeconds(POLL_TIMEOUT_SECONDS + 5);

    private final Jedis redis = TestRedis.plainClient();
    private FaultProxy proxy;
    private RunningApp app;
    private EventRecorder events;

    @BeforeEach
    void start() throws Exception {
        URI target = URI.create(TestRedis.url());
        proxy = FaultProxy.start(target.getHost(), target.getPort());
        Map<String, String> settings = new HashMap<>(Map.of(
                "jobqueue.redis.url", proxy.url(),
                "jobqueue.worker.concurrency", String.valueOf(CONCURRENCY),
                "jobqueue.worker.poll-timeout-seconds", String.valueOf(POLL_TIMEOUT_SECONDS),
                "jobqueue.worker.shutdown-timeout-ms", "2000"));
        app = RunningApp.start(Role.WORKER, settings);
        app.addTestTaskRoutes();
        events = new EventRecorder(app.channel); // subscribed directly, not through the proxy
    }

    @AfterEach
    void stop() throws Exception {
        events.close();
        proxy.forward();
        app.close();
        proxy.close();
        redis.close();
    }

    @Test
    void aBlackholeUnderIdleBlockingTakesIsNoticedAndTheMovedJobRunsOnce() throws Exception {
        awaitAllThreadsBlockedInTheirTake();
        proxy.blackhole();
        String id = pushAndAwaitMovedByALostTake("job_blackholed");
        Thread.sleep(1500); // the network stays dead a while; then it is back, but the dropped flows stay dropped
        proxy.forward();

        assertRecovered(id, System.nanoTime());
    }

    @Test
    void aResetUnderIdleBlockingTakesIsNoticedAndTheMovedJobRunsOnce() throws Exception {
        awaitAllThreadsBlockedInTheirTake();
        proxy.pause(); // holds the reply of the take that moves the job...
        String id = pushAndAwaitMovedByALostTake("job_reset");
        proxy.reset(); // ...and the RST throws it away

        assertRecovered(id, System.nanoTime());
    }

    @Test
    void aFrozenNetworkUnderIdleBlockingTakesIsNoticedAndTheMovedJobRunsOnce() throws Exception {
        awaitAllThreadsBlockedInTheirTake();
        proxy.pause();
        String id = pushAndAwaitMovedByALostTake("job_frozen");
        // frozen for longer than a blocking take's read timeout (poll-timeout + 3 s): the take gives up on its reply
        Thread.sleep((POLL_TIMEOUT_SECONDS + 4) * 1000L);
        proxy.forward();

        assertRecovered(id, System.nanoTime());
    }

    @Test
    void aBlackholeInTheMiddleOfADrainLosesAndRepeatsNoJob() throws Exception {
        drainThrough("blackhole", () -> {
            proxy.blackhole();
            Thread.sleep(2000);
            proxy.forward();
        });
    }

    /**
     * A frozen network, three times: what was sent meanwhile arrives late, after its sender gave up, and in no
     * particular order across connections (a take may land after the read its worker made to find what it took).
     */
    @Test
    void pausesInTheMiddleOfADrainLoseAndRepeatNoJob() throws Exception {
        drainThrough("pauses", () -> {
            for (int n = 0; n < 3; n++) {
                proxy.pause();
                Thread.sleep(2500); // past the 1500 ms read timeout, while the workers' first recovery reads wait
                proxy.forward();
                Thread.sleep(300);
            }
        });
    }

    private interface Outage {
        void happen() throws Exception;
    }

    private void drainThrough(String name, Outage outage) throws Exception {
        int jobs = 600;
        List<String> ids = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int n = 0; n < jobs; n++) {
            ids.add("job_drain_" + n);
            values.add(job("job_drain_" + n, "{\"task\":\"sleep\",\"ms\":2}"));
        }
        redis.lpush(app.queue, values.toArray(String[]::new));
        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") >= 100, Duration.ofSeconds(20)));

        long completedBefore = redis.llen(app.queue + ":completed");
        outage.happen();
        long back = System.nanoTime();
        assertTrue(completedBefore < jobs, "the outage came in the middle of the drain (" + completedBefore + " done)");

        // the drain ends within a few seconds of the network's return; 20 s is plenty
        assertTrue(Await.until(() -> redis.llen(app.queue + ":completed") >= jobs, Duration.ofSeconds(20)),
                "completed " + redis.llen(app.queue + ":completed") + " of " + jobs + "; queued " + redis.llen(app.queue)
                        + ", processing " + redis.llen(app.queue + ":processing") + ", reserved (not started, by a live "
                        + "worker process) " + reservedLists());
        long drainedMs = (System.nanoTime() - back) / 1_000_000;
        Thread.sleep(500); // time for a duplicate, if any, to show
        Map<String, Integer> finished = finishedCounts();
        for (String id : ids) {
            assertEquals(1, finished.getOrDefault(id, 0), id + " completed exactly once");
        }
        assertEquals(jobs, finished.size());
        assertEquals(0, redis.llen(app.queue) + redis.llen(app.queue + ":processing") + redis.llen(app.queue + ":failed"));
        assertEquals(List.of(), reservedValues(), "nothing stuck in a reserved list");
        assertEquals(0, events.all().stream().filter(e -> e.path("status").asText().equals("stalled")).count(), "no stall");
        int missingEvents = 0;
        for (String id : ids) {
            int completedEvents = events.eventsOf(id, "completed").size();
            assertTrue(completedEvents <= 1, id + " announced completed " + completedEvents + " times");
            missingEvents += 1 - completedEvents;
        }
        System.out.printf("drain through %s: %d jobs, %d done before, each completed once, the rest %d ms after the "
                + "network's return; %d 'completed' events lost with the dropped connections%n",
                name, jobs, completedBefore, drainedMs, missingEvents);
    }

    /** LPUSHes a job straight to Redis and waits until a blocked take has moved it into a reserved list. */
    private String pushAndAwaitMovedByALostTake(String id) throws Exception {
        redis.lpush(app.queue, job(id, "{\"task\":\"sleep\",\"ms\":1}"));
        assertTrue(Await.until(() -> reservedValues().stream().anyMatch(value -> value.contains(id)), Duration.ofSeconds(2)),
                "a blocked take moved " + id + " into its reserved list (queue: " + redis.lrange(app.queue, 0, -1) + ")");
        return id;
    }

    /**
     * The job that the lost take moved runs once, nothing is left in a reserved list, every thread is back in its
     * blocking take within poll-timeout + a few seconds of the network's return, and all of them work: four slow
     * jobs run side by side, one per thread.
     */
    private void assertRecovered(String id, long networkBackNanos) throws Exception {
        assertTrue(events.await(all -> !events.eventsOf(id, "completed").isEmpty(), Duration.ofSeconds(20)),
                id + " was never completed; reserved lists: " + reservedValues() + ", events: " + events.statusesOf(id));
        long doneMs = (System.nanoTime() - networkBackNanos) / 1_000_000;
        assertEquals(List.of("queued", "processing", "completed"), events.statusesOf(id));
        assertEquals(1, finishedCounts().getOrDefault(id, 0), id + " is in the completed list once");

        Duration left = BACK_TO_WORK.minusNanos(System.nanoTime() - networkBackNanos);
        boolean allBlocked = Await.until(() -> threadsBlockedInTheirTake() == CONCURRENCY, left.isNegative() ? Duration.ZERO : left);
        long backMs = (System.nanoTime() - networkBackNanos) / 1_000_000;
        assertTrue(allBlocked, "every worker thread is back in its blocking take within " + BACK_TO_WORK.toSeconds()
                + " s of the network's return (" + threadsBlockedInTheirTake() + " of " + CONCURRENCY + " after " + backMs + " ms)");

        List<String> probes = new ArrayList<>();
        List<String> values = new ArrayList<>();
        for (int n = 0; n < CONCURRENCY; n++) {
            probes.add(id + "_probe_" + n);
            values.add(job(id + "_probe_" + n, "{\"task\":\"sleep\",\"ms\":1500}"));
        }
        redis.lpush(app.queue, values.toArray(String[]::new));
        assertTrue(events.await(all -> probes.stream().allMatch(p -> !events.eventsOf(p, "completed").isEmpty()),
                Duration.ofSeconds(20)), "probes: " + probes.stream().map(events::statusesOf).toList());
        Set<String> workers = new HashSet<>();
        for (String probe : probes) {
            workers.add(events.eventsOf(probe, "processing").get(0).path("workerId").asText());
        }
        assertEquals(CONCURRENCY, workers.size(), "each of the " + CONCURRENCY + " threads ran one of the slow probes: " + workers);
        assertEquals(List.of(), reservedValues(), "nothing stuck in a reserved list");
        System.out.printf("%s: completed %d ms and every thread blocked in its take again %d ms after the network's return%n",
                id, doneMs, backMs);
    }

    private void awaitAllThreadsBlockedInTheirTake() throws InterruptedException {
        assertTrue(Await.until(() -> threadsBlockedInTheirTake() == CONCURRENCY, Duration.ofSeconds(10)),
                "the idle workers block in BLMOVE: " + threadsBlockedInTheirTake());
    }

    /** Clients of the test Redis blocked in BLMOVE right now (only this test's application runs in this JVM). */
    private int threadsBlockedInTheirTake() {
        int blocked = 0;
        for (String client : redis.clientList().split("\n")) {
            if (client.contains(" cmd=blmove") && client.contains(" flags=b ")) {
                blocked++;
            }
        }
        return blocked;
    }

    /** Every value in this queue's reserved lists (taken by a worker thread, not started). */
    private List<String> reservedValues() {
        List<String> values = new ArrayList<>();
        reservedLists().values().forEach(values::addAll);
        return values;
    }

    /** This queue's reserved lists that hold something, by key. */
    private Map<String, List<String>> reservedLists() {
        Map<String, List<String>> lists = new HashMap<>();
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match(app.queue + ":reserved:*").count(1000));
            for (String key : page.getResult()) {
                List<String> values = redis.lrange(key, 0, -1);
                if (!values.isEmpty()) {
                    lists.put(key, values);
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return lists;
    }

    private Map<String, Integer> finishedCounts() {
        Map<String, Integer> counts = new HashMap<>();
        for (String value : redis.lrange(app.queue + ":completed", 0, -1)) {
            JsonNode job = JobJson.read(value);
            counts.merge(job.path("id").asText(), 1, Integer::sum);
        }
        return counts;
    }

    private static String job(String id, String data) {
        return "{\"id\":\"" + id + "\",\"data\":" + data + ",\"status\":\"queued\",\"attempts\":0}";
    }
}
