package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.time.Instant;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.testing.Faketime;
import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.JarWorkers;
import io.jobqueue.testing.WithJarWorkers;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.resps.Tuple;

/**
 * Issue item 6, "time comes from Redis": a worker process whose clock is 30 s behind (libfaketime; the test is skipped
 * when it cannot be had) works beside one on time. Its live job must not be taken for dead, and a retry it schedules
 * must come back after its backoff by Redis's clock, neither 30 s early nor 30 s late.
 * <p>
 * libfaketime is preloaded into that JVM ({@code LD_PRELOAD}, {@code FAKETIME=-30s}); the test checks that the shift
 * took (the worker stamps its events 30 s in the past) before it checks anything else.
 */
class ClockSkewIT extends WithJarWorkers {

    private static final String SKEW = "-30s";

    ClockSkewIT() {
        super("it_skew");
    }

    @Test
    void aWorker30sBehindKeepsItsLiveJobAndItsRetryWaitsOutItsBackoff() throws Exception {
        Map<String, String> behindEnvironment = Faketime.shiftedBy(SKEW);
        // the backoff before a second attempt: 2 to 4 s (half of 4 s for sure, half at random)
        Map<String, String> settings = Map.of("jobqueue.retry.base-delay-ms", "4000", "jobqueue.retry.max-delay-ms", "4000");
        JarProcess behind = workers.start("behind", settings, behindEnvironment);
        JarWorkers.awaitReady(behind);
        // both taken by the only process up, the one behind: a long job, and one that fails every attempt (2 allowed)
        redis.lpush(workers.queue, JarWorkers.sleepJob("job_long", 120_000), "{\"id\":\"job_failing\",\"data\":{\"task\":"
                + "\"fail_until\",\"succeedOn\":99},\"status\":\"queued\",\"attempts\":0,\"maxAttempts\":2}");
        JarProcess onTime = workers.start("on-time", settings); // a reaper on time, beside the one behind

        assertTrue(events.await(all -> !events.eventsOf("job_long", "processing").isEmpty()
                && !events.eventsOf("job_failing", "retrying").isEmpty(), Duration.ofSeconds(10)), events.all().toString());
        String behindProcess = behind.workerProcessId();
        JsonNode started = events.eventsOf("job_long", "processing").get(0);
        assertTrue(started.path("workerId").asText().startsWith(behindProcess + "-"));
        // the JVM really lives 30 s in the past: it stamps its events by its own clock
        long lagMs = Duration.between(Instant.parse(started.path("timestamp").asText()), Instant.now()).toMillis();
        assertTrue(lagMs > 25_000 && lagMs < 40_000, "the worker's clock is 30 s behind: its event is stamped " + lagMs
                + " ms in the past (is libfaketime in effect?)");

        // The failed attempt waits in the delayed set until Redis's clock reaches its due time: 2 to 4 s after it failed
        // (had the worker used its own clock, it would have been due 26 to 28 s ago, and promoted at once).
        Long dueInMs = dueInMs("job_failing");
        assertTrue(dueInMs == null || dueInMs <= 4000 && dueInMs > -1000, "due " + dueInMs + " ms from now by Redis's clock");
        assertTrue(events.await(all -> events.eventsOf("job_failing", "failed").size() == 1, Duration.ofSeconds(45)),
                events.statusesOf("job_failing").toString());
        long backoffMs = (events.arrivalNanos("job_failing", "processing", 1) - events.arrivalNanos("job_failing", "retrying", 0)) / 1_000_000;
        assertEquals(List.of("queued", "processing", "retrying", "processing", "failed"), events.statusesOf("job_failing"));
        assertTrue(backoffMs >= 1000 && backoffMs <= 4000 + 2500, "the retry came back " + backoffMs
                + " ms after its failure; its backoff was 2 to 4 s");

        // With both processes up, long enough for any reaper to act: heartbeat timeout (8 s), the confirmation (3 s), and
        // two reaper passes. The job stays where it is, held by the process behind.
        JarWorkers.awaitReady(onTime);
        Thread.sleep(13_000);
        assertEquals(List.of("queued", "processing"), events.statusesOf("job_long"),
                "the live job of the worker behind was never reaped");
        // its record still names the run of the process behind, and the job is among that process's started jobs
        assertTrue(redis.hget(workers.queue + ":job:job_long", "run").startsWith(behindProcess + "/"),
                "still held by the process behind");
        assertTrue(redis.hexists(workers.queue + ":held:" + behindProcess, "job_long"));
        assertFalse(behind.stderr().contains("taken for dead"), "the process behind was never taken for dead");
        System.out.printf("clock %s: event stamps %d ms behind, retry due %d ms ahead by Redis's clock and back after %d ms, "
                + "the live job kept%n", SKEW, lagMs, dueInMs, backoffMs);
    }

    /**
     * How long until the job is due by Redis's clock, from its score in the delayed set; null when it is no longer there
     * (on a very busy machine the test may look after it was promoted: the measured backoff then tells).
     */
    private Long dueInMs(String id) {
        List<String> time = redis.time();
        long now = Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
        for (Tuple delayed : redis.zrangeWithScores(workers.queue + ":delayed", 0, -1)) {
            if (delayed.getElement().contains("\"" + id + "\"")) {
                return (long) delayed.getScore() - now;
            }
        }
        return null;
    }
}
