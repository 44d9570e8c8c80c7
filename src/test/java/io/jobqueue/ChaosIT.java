package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * The short version of {@code bench/chaos.py}: an api process and three worker processes; jobs go in over HTTP while
 * a random worker is killed with SIGKILL every 2 seconds and started again. Every job must end in completed or failed
 * exactly once: none lost, none twice, and no job may stall without having started.
 */
class ChaosIT {

    private static final int JOBS = 1500;

    @TempDir
    Path work;

    @Test
    void killingWorkersLosesAndDuplicatesNoJob() throws Exception {
        String queue = "chaos_" + UUID.randomUUID().toString().substring(0, 8);
        int port = TestRedis.freePort();
        Map<String, String> settings = new HashMap<>(Map.of(
                "jobqueue.queue-name", queue,
                "jobqueue.events-channel", queue + ":status",
                "jobqueue.processor.min-duration-ms", "5",
                "jobqueue.processor.max-duration-ms", "20",
                "jobqueue.processor.failure-rate", "0.05",
                "jobqueue.retry.base-delay-ms", "50",
                "jobqueue.retry.max-delay-ms", "200",
                "jobqueue.worker.poll-timeout-seconds", "1"));
        settings.putAll(Map.of(
                "jobqueue.worker.heartbeat-interval-ms", "200",
                "jobqueue.worker.heartbeat-timeout-ms", "1000",
                "jobqueue.reaper.interval-ms", "200"));
        Map<String, String> env = Map.of("REDIS_URL", TestRedis.url());
        Map<String, String> apiSettings = new HashMap<>(settings);
        apiSettings.put("camel.server.port", String.valueOf(port));

        List<JarProcess> workers = new ArrayList<>();
        try (JarProcess api = JarProcess.start(work.resolve("api"), "api", apiSettings, env);
             Jedis redis = TestRedis.plainClient();
             EventRecorder events = new EventRecorder(queue + ":status")) {
            for (int i = 0; i < 3; i++) {
                workers.add(JarProcess.start(work.resolve("worker" + i + "-0"), "worker", settings, env));
            }
            assertTrue(api.awaitLog("started in", Duration.ofSeconds(60)), api.stderr());

            Set<String> ids = ConcurrentHashMap.newKeySet();
            ExecutorService producers = Executors.newFixedThreadPool(4);
            List<Future<?>> posting = new ArrayList<>();
            HttpClient http = HttpClient.newHttpClient();
            for (int p = 0; p < 4; p++) {
                int lane = p;
                posting.add(producers.submit(() -> {
                    for (int n = lane; n < JOBS; n += 4) {
                        HttpResponse<String> response = http.send(HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/jobs"))
                                .header("Content-Type", "application/json")
                                .POST(HttpRequest.BodyPublishers.ofString("{\"n\":" + n + "}")).build(),
                                HttpResponse.BodyHandlers.ofString());
                        assertEquals(201, response.statusCode(), response.body());
                        ids.add(JobJson.read(response.body()).path("id").asText());
                    }
                    return null;
                }));
            }

            Random random = new Random(42);
            long deadline = System.nanoTime() + Duration.ofSeconds(150).toNanos();
            int kills = 0;
            while (System.nanoTime() < deadline && finished(redis, queue) < JOBS) {
                Thread.sleep(2000); // the cadence: a worker killed every 2 s
                if (finished(redis, queue) >= JOBS * 0.9) {
                    continue; // let the last jobs finish with all workers alive
                }
                int victim = random.nextInt(workers.size());
                workers.get(victim).kill();
                kills++;
                workers.set(victim, JarProcess.start(work.resolve("worker" + victim + "-" + kills), "worker", settings, env));
            }
            for (Future<?> lane : posting) {
                lane.get();
            }
            producers.shutdown();
            assertTrue(kills >= 5, "kills: " + kills);

            Map<String, Integer> seen = new HashMap<>();
            int retried = 0;
            int recovered = 0;
            for (String list : List.of(queue + ":completed", queue + ":failed")) {
                for (String value : redis.lrange(list, 0, -1)) {
                    JsonNode job = JobJson.read(value);
                    seen.merge(job.path("id").asText(), 1, Integer::sum);
                    retried += job.path("attempts").asInt() > 1 ? 1 : 0;
                    recovered += job.has("stalls") || job.path("error").asText().startsWith("stalled") ? 1 : 0;
                }
            }
            long lost = ids.stream().filter(id -> !seen.containsKey(id)).count();
            long duplicated = seen.values().stream().filter(count -> count > 1).count();
            System.out.printf("chaos: %d jobs, %d kills, lost=%d duplicated=%d recovered=%d retried=%d%n",
                    ids.size(), kills, lost, duplicated, recovered, retried);
            assertEquals(JOBS, ids.size());
            assertEquals(0, lost, "lost jobs");
            assertEquals(0, duplicated, "jobs finished twice");
            assertEquals(JOBS, seen.size());
            assertEquals(0, redis.llen(queue) + redis.llen(queue + ":processing") + redis.zcard(queue + ":delayed"));
            assertEquals(0, stalledWithoutStarting(events.all()), "only a job that started can stall");
        } finally {
            for (JarProcess worker : workers) {
                worker.close();
            }
        }
    }

    /** 'stalled' events of jobs that had no 'processing' since they were last queued. */
    private static int stalledWithoutStarting(List<JsonNode> events) {
        Map<String, Boolean> running = new HashMap<>();
        int unstarted = 0;
        for (JsonNode event : events) {
            String job = event.path("jobId").asText();
            String status = event.path("status").asText();
            if (status.equals("stalled") && !running.getOrDefault(job, false)) {
                unstarted++;
            }
            running.put(job, status.equals("processing"));
        }
        return unstarted;
    }

    private static long finished(Jedis redis, String queue) {
        return redis.llen(queue + ":completed") + redis.llen(queue + ":failed");
    }
}
