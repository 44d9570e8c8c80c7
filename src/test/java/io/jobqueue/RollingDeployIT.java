package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.time.Duration;
import java.util.List;
import java.util.Map;

import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.JarWorkers;
import io.jobqueue.testing.WithJarWorkers;
import org.junit.jupiter.api.Test;

/**
 * Issue item 3, "rolling deploys run nothing twice": a worker process stopped with SIGTERM while it runs a job, with
 * another worker process running beside it (the next version). It keeps its heartbeat going until the job in hand is
 * finished, however long past the heartbeat timeout that is; and a job still running when its shutdown timeout ends is
 * handed back to the queue at once, for the other process, instead of being left for a reaper.
 */
class RollingDeployIT extends WithJarWorkers {

    RollingDeployIT() {
        super("it_deploy");
    }

    @Test
    void sigtermLetsTheJobInHandFinishOnceWhileTheHeartbeatGoesOn() throws Exception {
        JarProcess a = workers.start("a", Map.of());
        JarProcess b = workers.start("b", Map.of());
        JarWorkers.awaitReady(a, b);
        // 14 s: after the SIGTERM the job runs on for longer than the heartbeat timeout (8 s) and the reaper's
        // confirmation (3 s) together, so a process that stopped its heartbeat first would have its job stalled
        redis.lpush(workers.queue, JarWorkers.sleepJob("job_in_hand", 14_000));
        assertTrue(events.await(all -> !events.eventsOf("job_in_hand", "processing").isEmpty(), Duration.ofSeconds(10)));
        String workerId = events.eventsOf("job_in_hand", "processing").get(0).path("workerId").asText();
        JarProcess stopping = JarWorkers.owner(workerId, a, b);
        String stoppingProcess = stopping.workerProcessId();

        long asked = System.nanoTime();
        int exit = stopping.terminate(Duration.ofSeconds(60));
        long tookMs = (System.nanoTime() - asked) / 1_000_000;
        Thread.sleep(500); // a stall or a second run, had there been one, would show by now

        assertTrue(exit == 143 || exit == 0, "exit code " + exit + "\n" + stopping.stderr());
        assertEquals(List.of("queued", "processing", "completed"), events.statusesOf("job_in_hand"),
                "finished once, by the process that was stopped; never stalled, never handed back");
        assertEquals(workerId, events.eventsOf("job_in_hand", "completed").get(0).path("workerId").asText());
        assertTrue(tookMs >= 11_000, "the process waited for its job (" + tookMs + " ms)");
        assertEquals(1, redis.llen(workers.queue + ":completed"));
        assertEquals(0, redis.llen(workers.queue) + redis.llen(workers.queue + ":processing"));
        assertNull(redis.zscore(workers.queue + ":workers", stoppingProcess), "it deregistered once done");
        System.out.printf("SIGTERM with a 14 s job in hand: it finished once, the process exited %d ms after the signal%n", tookMs);
    }

    @Test
    void aJobStillRunningWhenTheShutdownTimeoutEndsIsHandedBackAtOnce() throws Exception {
        Map<String, String> settings = Map.of("jobqueue.worker.shutdown-timeout-ms", "2000");
        JarProcess a = workers.start("a", settings);
        JarProcess b = workers.start("b", settings);
        JarWorkers.awaitReady(a, b);
        redis.lpush(workers.queue, JarWorkers.sleepJob("job_overdue", 20_000));
        assertTrue(events.await(all -> !events.eventsOf("job_overdue", "processing").isEmpty(), Duration.ofSeconds(10)));
        String workerId = events.eventsOf("job_overdue", "processing").get(0).path("workerId").asText();
        JarProcess stopping = JarWorkers.owner(workerId, a, b);
        JarProcess next = stopping == a ? b : a;

        long asked = System.nanoTime();
        stopping.signal("TERM");

        assertTrue(events.await(all -> events.eventsOf("job_overdue", "processing").size() == 2, Duration.ofSeconds(30)),
                events.statusesOf("job_overdue") + "\n" + stopping.stderr());
        long handedBackMs = (events.arrivalNanos("job_overdue", "queued", 1) - asked) / 1_000_000;
        long runAgainMs = (events.arrivalNanos("job_overdue", "processing", 1) - asked) / 1_000_000;
        assertTrue(stopping.awaitExit(Duration.ofSeconds(30)), "the stopped process exits");
        long exitedMs = (System.nanoTime() - asked) / 1_000_000;
        System.out.printf("SIGTERM with shutdown-timeout 2000 ms and a 20 s job: handed back after %d ms, running "
                + "again after %d ms, process gone after %d ms%n", handedBackMs, runAgainMs, exitedMs);

        assertEquals(List.of("queued", "processing", "queued", "processing"), events.statusesOf("job_overdue"),
                "handed back ('queued'), not stalled, then run by the other process");
        assertTrue(events.eventsOf("job_overdue", "processing").get(1).path("workerId").asText()
                .startsWith(next.workerProcessId() + "-"), "run again by the other process");
        assertTrue(handedBackMs >= 1500, "not before the shutdown timeout (" + handedBackMs + " ms)");
        assertTrue(handedBackMs <= 2000 + 2000, "handed back at once when the 2000 ms shutdown timeout ended, not "
                + handedBackMs + " ms after the SIGTERM");
        int exit = stopping.exitCode();
        assertTrue(exit == 143 || exit == 0, "exit code " + exit);
        assertEquals(0, redis.llen(workers.queue + ":completed") + redis.llen(workers.queue + ":failed"),
                "the interrupted attempt left no result");
    }
}
