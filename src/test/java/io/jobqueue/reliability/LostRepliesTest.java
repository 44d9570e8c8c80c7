package io.jobqueue.reliability;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicInteger;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.FaultProxy;
import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/**
 * Issue item 5, "lost replies and timeouts do not create ghosts": a call to Redis that timed out may still take
 * effect, so every transition must be safe to repeat, and a client that repeats a POST it got no answer to, with the
 * same Idempotency-Key, must not make a second job. Redis is made to lose replies by a paused proxy and by DEBUG
 * SLEEP (a Redis of the test's own), longer than {@code jobqueue.redis.timeout-ms} (1500 ms).
 */
class LostRepliesTest {

    @TempDir
    Path redisDir;

    @Test
    void aRepeatedIdempotencyKeyAnswers200WithTheJobFirstCreated() throws Exception {
        try (RunningApp app = RunningApp.start(Role.API, Map.of());
             Jedis redis = TestRedis.plainClient()) {
            HttpResponse<String> first = post(app, "{\"order\":1}", "order-1");
            HttpResponse<String> again = post(app, "{\"order\":1,\"sent\":\"again\"}", "order-1");
            HttpResponse<String> other = post(app, "{\"order\":2}", "order-2");

            assertEquals(201, first.statusCode(), first.body());
            assertEquals(200, again.statusCode(), again.body());
            assertEquals(201, other.statusCode(), other.body());
            JsonNode created = JobJson.read(first.body());
            JsonNode repeated = JobJson.read(again.body());
            assertEquals(created.path("id").asText(), repeated.path("id").asText(), "the repeat answers the job first made");
            assertEquals(created.path("data"), repeated.path("data"), "with its data, not the repeat's");
            assertEquals(2, redis.llen(app.queue), "one job per key: " + redis.lrange(app.queue, 0, -1));
            long ttlMs = redis.pttl(app.queue + ":idempotency:order-1");
            assertTrue(ttlMs > Duration.ofHours(23).toMillis() && ttlMs <= Duration.ofHours(24).toMillis(),
                    "the key is remembered for jobqueue.api.idempotency-ttl (24h): " + ttlMs + " ms left");
        }
    }

    @Test
    void aPostWhoseReplyWasLostAndIsRepeatedWithItsKeyMakesOneJob() throws Exception {
        URI target = URI.create(TestRedis.url());
        try (FaultProxy proxy = FaultProxy.start(target.getHost(), target.getPort());
             RunningApp app = RunningApp.start(Role.API, Map.of("jobqueue.redis.url", proxy.url()));
             Jedis redis = TestRedis.plainClient()) {
            assertEquals(201, post(app, "{\"warm\":true}", null).statusCode(), "the API works through the proxy");

            proxy.pause(); // the enqueue reaches the proxy and waits there: the client cannot tell whether it will land
            HttpResponse<String> lost = post(app, "{\"payment\":42}", "payment-42");
            assertEquals(503, lost.statusCode(), lost.body());
            proxy.forward(); // the held enqueue lands now, after its 503

            HttpResponse<String> repeated = post(app, "{\"payment\":42}", "payment-42");
            assertTrue(repeated.statusCode() == 200 || repeated.statusCode() == 201, repeated.statusCode() + " " + repeated.body());
            String id = JobJson.read(repeated.body()).path("id").asText();
            Thread.sleep(300); // a held enqueue, had it come later still, would show now
            List<String> payments = redis.lrange(app.queue, 0, -1).stream().filter(value -> value.contains("\"payment\"")).toList();
            assertEquals(1, payments.size(), "exactly one job for the key: " + payments);
            assertEquals(id, JobJson.read(payments.get(0)).path("id").asText(), "and it is the one the repeat answered");
            assertEquals(2, redis.llen(app.queue), "no other job was made");
            System.out.printf("POST whose reply was lost: 503, then the repeat with its key answered %d%n", repeated.statusCode());
        }
    }

    @Test
    void intakeAndADrainThroughRedisPausesMakeAndFinishEveryJobOnce() throws Exception {
        int preloaded = 300;
        int posted = 100;
        try (PrivateRedis redis = new PrivateRedis(redisDir);
             Jedis direct = redis.client();
             RunningApp app = RunningApp.start(Role.ALL, Map.of("jobqueue.redis.url", redis.url()));
             EventRecorder events = new EventRecorder(app.channel, redis::client)) {
            List<String> ids = new ArrayList<>();
            List<String> values = new ArrayList<>();
            for (int n = 0; n < preloaded; n++) {
                ids.add("job_pre_" + n);
                values.add("{\"id\":\"job_pre_" + n + "\",\"data\":{\"n\":" + n + "},\"status\":\"queued\",\"attempts\":0}");
            }
            direct.lpush(app.queue, values.toArray(String[]::new));

            // Intake meanwhile: each POST is repeated with its key until it is answered (a 503 may have made the job).
            Map<String, String> idByKey = new ConcurrentHashMap<>();
            AtomicInteger refused = new AtomicInteger();
            ExecutorService client = Executors.newSingleThreadExecutor();
            Future<?> intake = client.submit(() -> {
                for (int n = 0; n < posted; n++) {
                    String key = "intake-" + n;
                    for (int tries = 0; ; tries++) {
                        HttpResponse<String> response = post(app, "{\"posted\":" + n + "}", key);
                        if (response.statusCode() == 201 || response.statusCode() == 200) {
                            idByKey.put(key, JobJson.read(response.body()).path("id").asText());
                            break;
                        }
                        assertEquals(503, response.statusCode(), response.body());
                        refused.incrementAndGet();
                        assertTrue(tries < 100, "POST " + key + " kept failing");
                        Thread.sleep(50);
                    }
                    Thread.sleep(10);
                }
                return null;
            });

            // Two pauses of Redis, each longer than every client timeout, in the middle of the drain and the intake.
            assertTrue(Await.until(() -> direct.llen(app.queue + ":completed") >= 60, Duration.ofSeconds(20)));
            long doneBefore = direct.llen(app.queue + ":completed");
            redis.debugSleep(2);
            Thread.sleep(500);
            redis.debugSleep(2);
            intake.get();
            client.shutdown();
            ids.addAll(idByKey.values());
            assertEquals(posted, idByKey.size());
            assertTrue(doneBefore < preloaded, "the pauses came in the middle of the drain (" + doneBefore + " done)");

            int jobs = preloaded + posted;
            assertTrue(Await.until(() -> direct.llen(app.queue + ":completed") >= jobs, Duration.ofSeconds(40)),
                    "completed " + direct.llen(app.queue + ":completed") + " of " + jobs + "; queued " + direct.llen(app.queue)
                            + ", processing " + direct.llen(app.queue + ":processing"));
            Thread.sleep(500); // time for a duplicate or a late event, if any, to show
            Map<String, Integer> completed = new HashMap<>();
            for (String value : direct.lrange(app.queue + ":completed", 0, -1)) {
                completed.merge(JobJson.read(value).path("id").asText(), 1, Integer::sum);
            }
            for (String id : ids) {
                assertEquals(1, completed.getOrDefault(id, 0), id + " completed exactly once");
            }
            assertEquals(jobs, completed.size(), "no job was made twice by a repeated POST");
            assertEquals(0, direct.llen(app.queue) + direct.llen(app.queue + ":processing") + direct.llen(app.queue + ":failed"));
            List<String> eventCounts = new ArrayList<>();
            for (String id : ids) {
                int count = events.eventsOf(id, "completed").size();
                if (count != 1) {
                    eventCounts.add(id + "=" + count);
                }
            }
            assertEquals(List.of(), eventCounts, "every job announced 'completed' exactly once");
            assertEquals(0, events.all().stream().filter(e -> e.path("status").asText().equals("stalled")).count(), "no stall");
            System.out.printf("intake and drain through two Redis pauses: %d jobs each completed once, %d done before the "
                    + "first pause, %d POSTs answered 503 and repeated with their key%n", jobs, doneBefore, refused.get());
        }
    }

    private static HttpResponse<String> post(RunningApp app, String body, String idempotencyKey) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(app.uri("/jobs")).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body));
        if (idempotencyKey != null) {
            request.header("Idempotency-Key", idempotencyKey);
        }
        return app.send(request);
    }
}
