package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotNull;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeFalse;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.JarWorkers;
import io.jobqueue.testing.WithJarWorkers;
import org.junit.jupiter.api.Test;

/**
 * Issue item 2, "a dead worker's jobs come back fast; a live worker's never do", with the packaged jar at the default
 * liveness settings (heartbeat every 1 s, dead after 8 s of silence confirmed 3 s later, reaper every 1 s): a worker
 * killed with SIGKILL has its jobs run again within 15 s, and a worker frozen (SIGSTOP, as a long GC pause) past its
 * heartbeat timeout keeps its job.
 */
class WorkerLivenessIT extends WithJarWorkers {

    /** The bound for the jobs of a worker killed with -9 to run again, with the defaults. */
    private static final Duration BACK_WITHIN = Duration.ofSeconds(15);

    WorkerLivenessIT() {
        super("it_liveness");
    }

    @Test
    void aKilledWorkersJobsRunAgainWithin15sTheStartedOneAsStalledTheReservedOnesAsIfNeverTaken() throws Exception {
        // Short jobs first, so that the worker learns that jobs are short and takes many per round trip from then on.
        List<String> warmUp = new ArrayList<>();
        for (int n = 0; n < 150; n++) {
            warmUp.add(JarWorkers.sleepJob("job_warm_" + n, 0));
        }
        redis.lpush(workers.queue, warmUp.toArray(String[]::new));
        JarProcess first = workers.start("first", Map.of(
                "jobqueue.worker.concurrency", "1",
                // keeps the jobs behind the long one reserved until the kill (they would go back after 1 s)
                "jobqueue.worker.hand-back-after-ms", "600000"));
        assertTrue(events.await(all -> events.all().stream().filter(e -> e.path("status").asText().equals("completed"))
                .count() == warmUp.size(), Duration.ofSeconds(90)), first.stderr());

        // One LPUSH, oldest first: the idle thread's blocking take gets the job in front, and its next take (a batch)
        // starts with the long job and goes on with the short ones, which wait behind it in the thread's reserved list.
        List<String> values = new ArrayList<>(List.of(JarWorkers.sleepJob("job_front", 0), JarWorkers.sleepJob("job_long", 60_000)));
        for (int n = 0; n < 8; n++) {
            values.add(JarWorkers.sleepJob("job_behind_" + n, 0));
        }
        redis.lpush(workers.queue, values.toArray(String[]::new));
        assertTrue(events.await(all -> !events.eventsOf("job_long", "processing").isEmpty(), Duration.ofSeconds(10)),
                first.stderr());
        String firstWorker = events.eventsOf("job_long", "processing").get(0).path("workerId").asText();
        List<String> behind = new ArrayList<>();
        for (String value : redis.lrange(workers.queue + ":reserved:" + firstWorker, 0, -1)) {
            behind.add(JobJson.read(value).path("id").asText());
        }
        // A worker that measured its jobs as slow (a very busy machine) takes one at a time: then nothing is reserved
        // behind the long job, and that half of the test is skipped at the end, after the rest has been checked.
        System.out.printf("SIGKILL: %d job(s) reserved behind the long one at the kill%n", behind.size());

        JarProcess second = workers.start("second", Map.of());
        JarWorkers.awaitReady(second);
        first.kill();
        long killed = System.nanoTime();

        assertTrue(events.await(all -> events.eventsOf("job_long", "processing").size() == 2
                        && behind.stream().allMatch(id -> !events.eventsOf(id, "processing").isEmpty()),
                BACK_WITHIN.plusSeconds(10)), "long job: " + events.statusesOf("job_long") + "; behind: "
                + behind.stream().map(events::statusesOf).toList());
        long longBackMs = millisSince(killed, events.arrivalNanos("job_long", "processing", 1));
        long lastBehindBackMs = 0;
        for (String id : behind) {
            lastBehindBackMs = Math.max(lastBehindBackMs, millisSince(killed, events.arrivalNanos(id, "processing", 0)));
        }
        System.out.printf("SIGKILL: the long job ran again %d ms after the kill, the %d jobs reserved behind it by %d ms%n",
                longBackMs, behind.size(), lastBehindBackMs);
        assertTrue(longBackMs <= BACK_WITHIN.toMillis(), "the long job ran again " + longBackMs + " ms after the kill");
        assertTrue(lastBehindBackMs <= BACK_WITHIN.toMillis(), "the reserved jobs ran " + lastBehindBackMs + " ms after the kill");

        assertEquals(List.of("queued", "processing", "stalled", "processing"), events.statusesOf("job_long"));
        JsonNode stalled = events.eventsOf("job_long", "stalled").get(0);
        assertEquals(firstWorker, stalled.path("workerId").asText(), "the stall names the worker that died");
        String secondProcess = second.workerProcessId();
        assertTrue(events.eventsOf("job_long", "processing").get(1).path("workerId").asText().startsWith(secondProcess + "-"));
        JsonNode running = runningJob("job_long");
        assertEquals(1, running.path("stalls").asInt(), running.toString());
        assertEquals(0, running.path("attempts").asInt(), "a stall is not an attempt: " + running);

        String firstProcess = firstWorker.substring(0, firstWorker.lastIndexOf('-'));
        assertNull(redis.zscore(workers.queue + ":workers", firstProcess), "the dead process is deregistered");
        assertEquals(0, redis.llen(workers.queue + ":reserved:" + firstWorker));

        assumeFalse(behind.isEmpty(), "the jobs-reserved-behind half was not set up: the first worker took the long job "
                + "alone (it judged its jobs slow, as on a very busy machine)");
        assertTrue(events.await(all -> behind.stream().allMatch(id -> !events.eventsOf(id, "completed").isEmpty()),
                Duration.ofSeconds(10)));
        for (String id : behind) {
            assertEquals(List.of("queued", "processing", "completed"), events.statusesOf(id), id + ": never started, so no stall");
            assertTrue(events.eventsOf(id, "processing").get(0).path("workerId").asText().startsWith(secondProcess + "-"));
        }
    }

    @Test
    void aWorkerFrozenPastItsHeartbeatTimeoutKeepsItsJob() throws Exception {
        JarProcess a = workers.start("a", Map.of());
        JarProcess b = workers.start("b", Map.of());
        JarWorkers.awaitReady(a, b);
        redis.lpush(workers.queue, JarWorkers.sleepJob("job_frozen", 10_000));
        assertTrue(events.await(all -> !events.eventsOf("job_frozen", "processing").isEmpty(), Duration.ofSeconds(10)));
        String workerId = events.eventsOf("job_frozen", "processing").get(0).path("workerId").asText();
        JarProcess holder = JarWorkers.owner(workerId, a, b);
        JarProcess other = holder == a ? b : a;
        String holderProcess = holder.workerProcessId();

        // Frozen until its heartbeat has run out by Redis's clock, and a reaper pass (every 1 s) and a half more: the
        // other process's reaper has found it silent once, but the second sighting (3 s later) does not come.
        holder.signal("STOP");
        long frozen = System.nanoTime();
        Double expiry = redis.zscore(workers.queue + ":workers", holderProcess);
        assertNotNull(expiry, "the holder is registered");
        boolean seenSilent = false;
        while (redisNowMs() < expiry + 1500) {
            seenSilent |= redis.zscore(workers.queue + ":suspects", holderProcess) != null;
            Thread.sleep(50);
        }
        seenSilent |= redis.zscore(workers.queue + ":suspects", holderProcess) != null;
        holder.signal("CONT");
        long frozenMs = millisSince(frozen, System.nanoTime());
        assertTrue(seenSilent, "the freeze outlasted the heartbeat timeout: a reaper found the process silent");

        assertTrue(events.await(all -> !events.eventsOf("job_frozen", "completed").isEmpty(), Duration.ofSeconds(30)),
                events.statusesOf("job_frozen").toString());
        Thread.sleep(300);
        System.out.printf("SIGSTOP for %d ms (heartbeat timeout 8000): the job stayed with its process%n", frozenMs);
        assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_frozen"), "never 'stalled'");
        assertEquals(workerId, events.eventsOf("job_frozen", "completed").get(0).path("workerId").asText());
        assertFalse(other.stderr().contains("job_frozen"), "the other process never touched it");
        assertNull(redis.zscore(workers.queue + ":suspects", holderProcess), "its next heartbeat cleared the suspicion");
        assertEquals(1, redis.llen(workers.queue + ":completed"));
    }

    private long redisNowMs() {
        List<String> time = redis.time();
        return Long.parseLong(time.get(0)) * 1000 + Long.parseLong(time.get(1)) / 1000;
    }

    private JsonNode runningJob(String id) {
        for (String value : redis.lrange(workers.queue + ":processing", 0, -1)) {
            JsonNode job = JobJson.read(value);
            if (id.equals(job.path("id").asText())) {
                return job;
            }
        }
        throw new AssertionError(id + " is not in processing");
    }

    private static long millisSince(long startNanos, long nanos) {
        return (nanos - startNanos) / 1_000_000;
    }
}
