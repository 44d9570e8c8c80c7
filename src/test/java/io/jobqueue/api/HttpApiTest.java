package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.EventRecorder;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** The HTTP API over real HTTP, against the api role alone (no workers), so jobs stay where the API put them. */
class HttpApiTest {

    private static RunningApp app;
    private static Jedis redis;

    @BeforeAll
    static void start() throws Exception {
        app = RunningApp.start(Role.API, Map.of(
                "jobqueue.api.max-body-bytes", "1000",
                "camel.server.max-body-size", "4000",
                "jobqueue.job.max-bytes", "900"));
        redis = TestRedis.plainClient();
    }

    @AfterAll
    static void stop() {
        app.close();
        redis.close();
    }

    @BeforeEach
    void emptyQueues() throws Exception {
        for (String type : List.of("queued", "processing", "completed", "failed", "delayed")) {
            app.delete("/jobs/" + type);
        }
    }

    @Test
    void postingAJobEnqueuesSeedJsonAndAnnouncesIt() throws Exception {
        try (EventRecorder events = new EventRecorder(app.channel)) {
            HttpResponse<String> response = app.post("/jobs", "{\"task\":\"process_payment\",\"amount\":100.50,\"tags\":[]}");

            assertEquals(201, response.statusCode());
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            JsonNode job = JobJson.read(response.body());
            assertTrue(job.path("id").asText().matches("job_\\d{13}_[a-z0-9]{9}"), job.toString());
            assertEquals(List.of("id", "data", "createdAt", "status", "attempts"), fieldNames(job));
            assertEquals("{\"task\":\"process_payment\",\"amount\":100.50,\"tags\":[]}", job.get("data").toString());
            assertTrue(job.path("createdAt").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d\\.\\d{3}Z"));
            assertEquals("queued", job.path("status").asText());
            assertEquals(0, job.path("attempts").asInt());

            // what another program reads with a plain client is the same seed JSON
            assertEquals(List.of(response.body()), redis.lrange(app.queue, 0, -1));

            String id = job.path("id").asText();
            assertTrue(events.await(all -> !all.isEmpty(), Duration.ofSeconds(5)));
            JsonNode event = events.all().get(0);
            assertEquals(id, event.path("jobId").asText());
            assertEquals("queued", event.path("status").asText());
            assertFalse(event.has("workerId"), "queued has no workerId, as in the seed");
            assertTrue(event.has("timestamp"));
        }
    }

    @Test
    void badBodiesGetA4xxWithAJsonErrorAndEnqueueNothing() throws Exception {
        assertError(app.post("/jobs", "{\"task\": "), 400, "invalid JSON");
        assertError(app.post("/jobs", "[1, 2]"), 400, "must be a JSON object");
        assertError(app.post("/jobs", "\"text\""), 400, "must be a JSON object");
        assertError(app.post("/jobs", "42"), 400, "must be a JSON object");
        assertError(app.post("/jobs", ""), 400, "empty");
        assertError(app.post("/jobs", "{} trailing"), 400, "invalid JSON");
        assertError(app.post("/jobs", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n", "multipart/form-data; boundary=b"),
                415, "multipart");
        assertError(app.post("/jobs", "--b\r\nContent-Disposition: form-data; name=\"a\"\r\n\r\n1\r\n--b--\r\n", "Multipart/Form-Data; boundary=b"),
                415, "multipart");
        assertError(app.post("/jobs", "a=1&b=2", "application/x-www-form-urlencoded"), 400, "invalid JSON");
        assertEquals(0, redis.llen(app.queue));
    }

    @Test
    void jsonLabelledFormEncodedAsCurlDashDSendsItIsAJobInAnyLetterCase() throws Exception {
        for (String type : List.of("application/x-www-form-urlencoded", "Application/X-WWW-Form-Urlencoded; charset=UTF-8",
                "APPLICATION/X-WWW-FORM-URLENCODED")) {
            HttpResponse<String> response = app.post("/jobs", "{\"to\":\"a@b.c\",\"q\":\"x y&z=1\"}", type);
            assertEquals(201, response.statusCode(), type + ": " + response.body());
            assertEquals("{\"to\":\"a@b.c\",\"q\":\"x y&z=1\"}", JobJson.read(redis.lindex(app.queue, 0)).path("data").toString());
        }
    }

    @Test
    void aKeyGivenTwiceIsRefusedSoThatTheRouteAndTheDataCannotDisagreeOnTheTask() throws Exception {
        assertError(app.post("/jobs", "{\"task\":\"process_payment\",\"amount\":1,\"task\":\"other\"}"), 400, "Duplicate field 'task'");
        assertError(app.post("/jobs", "{\"n\":{\"a\":1,\"a\":2}}"), 400, "Duplicate field 'a'");
        assertError(app.post("/jobs/bulk", "[{\"n\":1},{\"task\":\"a\",\"task\":\"b\"}]"), 400, "Duplicate field 'task'");
        assertError(app.post("/jobs/bulk", "{\"n\":1}\n{\"task\":\"a\",\"task\":\"b\"}\n", "application/x-ndjson"), 400, "line 2");
        assertEquals(0, redis.llen(app.queue));
        assertEquals(201, app.post("/jobs", "{\"a\":{\"x\":1},\"b\":{\"x\":2}}").statusCode(), "the same key in two objects is fine");
    }

    @Test
    void aBodyOverTheLimitGets413AndEnqueuesNothing() throws Exception {
        String big = "{\"pad\":\"" + "x".repeat(1200) + "\"}";
        assertError(app.post("/jobs", big), 413, "the body is too large: 1210 bytes; the limit is 1000 (jobqueue.api.max-body-bytes)");
        String huge = "{\"pad\":\"" + "x".repeat(5000) + "\"}"; // over camel.server.max-body-size too
        assertError(app.post("/jobs", huge), 413, "limit is 1000");
        assertError(app.post("/jobs/bulk", "[" + huge + "]"), 413, "limit is 4000 (camel.server.max-body-size)");
        assertEquals(0, redis.llen(app.queue));
    }

    @Test
    void dataThatWouldMakeAJobOverTheJobLimitGets413AtIntake() throws Exception {
        String nearly = "{\"pad\":\"" + "x".repeat(850) + "\"}"; // under the body limit, but the job would be over 900
        assertError(app.post("/jobs", nearly), 413, "the limit is 900 (jobqueue.job.max-bytes)");
        assertError(app.post("/jobs/bulk", "[{\"n\":1}," + nearly + "]"), 413, "element 1 would make a job of");
        assertError(app.post("/jobs/bulk", "{\"n\":1}\n\n" + nearly + "\n", "application/x-ndjson"), 413, "line 3 would make a job of");
        assertEquals(0, redis.llen(app.queue));

        HttpResponse<String> fits = app.post("/jobs?maxAttempts=1000&timeoutMs=9223372036854775807", "{\"pad\":\"" + "x".repeat(600) + "\"}");
        assertEquals(201, fits.statusCode(), fits.body());
        assertTrue(redis.lindex(app.queue, 0).length() <= 900, "what was accepted is within the limit a worker applies");
    }

    @Test
    void statsCountEveryList() throws Exception {
        app.post("/jobs", "{\"n\":1}");
        app.post("/jobs", "{\"n\":2}");
        redis.lpush(app.queue + ":failed", "{\"id\":\"x\"}");

        HttpResponse<String> response = app.get("/jobs/stats");

        assertEquals(200, response.statusCode());
        assertEquals("{\"queued\":2,\"processing\":0,\"completed\":0,\"failed\":1,\"delayed\":0}", response.body());
    }

    @Test
    void listingIsNewestFirstAndPaged() throws Exception {
        for (int n = 1; n <= 5; n++) {
            app.post("/jobs", "{\"n\":" + n + "}");
        }
        assertEquals(List.of(5, 4), numbersIn(app.get("/jobs/queued?start=0&count=2")));
        assertEquals(List.of(3, 2), numbersIn(app.get("/jobs/queued?start=2&count=2")));
        assertEquals(List.of(5, 4, 3, 2, 1), numbersIn(app.get("/jobs/queued")));
        assertEquals(List.of(), numbersIn(app.get("/jobs/completed")));

        assertError(app.get("/jobs/queued?count=1001"), 400, "count must be between 1 and 1000");
        assertError(app.get("/jobs/queued?count=0"), 400, "count");
        assertError(app.get("/jobs/queued?start=-1"), 400, "start");
        assertError(app.get("/jobs/queued?count=ten"), 400, "whole number");
        assertError(app.get("/jobs/finished"), 404, "unknown queue type 'finished'");
    }

    @Test
    void aValueThatIsNotJsonIsListedWithoutBreakingThePage() throws Exception {
        redis.lpush(app.queue + ":failed", "not json at all");
        JsonNode page = JobJson.read(app.get("/jobs/failed").body());
        assertEquals("not json at all", page.get(0).path("raw").asText());
    }

    @Test
    void deletingClearsOneListAndSaysHowMany() throws Exception {
        app.post("/jobs", "{\"n\":1}");
        app.post("/jobs", "{\"n\":2}");

        HttpResponse<String> response = app.delete("/jobs/queued");

        assertEquals(200, response.statusCode());
        assertEquals("{\"removed\":2}", response.body());
        assertEquals(0, redis.llen(app.queue));
        assertError(app.delete("/jobs/everything"), 404, "unknown queue type");
    }

    @Test
    void unknownEndpointsAnswerJson() throws Exception {
        assertError(app.get("/nowhere"), 404, "no such endpoint: GET /nowhere");
        assertError(app.get("/jobs/failed/x/retry/now"), 404, "no such endpoint");
    }

    @Test
    void anEmptyPathSegmentIsA404NeverAnotherEndpoint() throws Exception {
        redis.lpush(app.queue + ":failed", "{\"id\":\"job_1\",\"data\":{},\"status\":\"failed\",\"attempts\":3}");

        // the router would collapse the slashes into POST /jobs/failed/retry: retry every failed job
        assertError(app.post("/jobs/failed//retry", ""), 404, "no such endpoint: POST /jobs/failed//retry");
        assertError(app.post("/jobs/failed/retry/", ""), 404, "no such endpoint");
        assertError(app.get("//jobs/stats"), 404, "no such endpoint");
        assertError(app.delete("/jobs//queued"), 404, "no such endpoint");

        assertEquals(1, redis.llen(app.queue + ":failed"), "nothing was retried");
        assertEquals(0, redis.llen(app.queue));
    }

    @Test
    void headAnswersLikeGetWithoutABody() throws Exception {
        app.post("/jobs", "{\"n\":1}");
        for (String path : List.of("/jobs/stats", "/jobs/queued?count=1", "/jobs/finished", "/nowhere")) {
            HttpResponse<String> get = app.get(path);
            HttpResponse<String> head = app.send(HttpRequest.newBuilder(app.uri(path)).method("HEAD", HttpRequest.BodyPublishers.noBody()));
            assertEquals(get.statusCode(), head.statusCode(), path);
            assertEquals(get.headers().firstValue("Content-Type"), head.headers().firstValue("Content-Type"), path);
            assertEquals("", head.body(), path);
        }
    }

    @Test
    void aKnownPathWithAnotherMethodAnswers405AndSaysWhichMethodsServeIt() throws Exception {
        HttpResponse<String> put = app.send(HttpRequest.newBuilder(app.uri("/jobs")).PUT(HttpRequest.BodyPublishers.ofString("{}")));
        assertError(put, 405, "PUT is not allowed on /jobs; use POST");
        assertEquals("POST", put.headers().firstValue("Allow").orElse(""));
        HttpResponse<String> get = app.get("/jobs/failed/job_1/retry");
        assertError(get, 405, "use POST");
        assertEquals("DELETE, GET, HEAD", allowed("PUT", "/jobs/queued"));
        // a path that one route names literally is not served by one that would take it as a parameter (/jobs/{queueType})
        assertEquals("GET, HEAD", allowed("PUT", "/jobs/stats"));
        assertEquals("POST", allowed("PUT", "/jobs/bulk"));
        assertEquals("POST", allowed("GET", "/jobs/failed/retry"));
        assertError(app.send(HttpRequest.newBuilder(app.uri("/jobs/stats")).PUT(HttpRequest.BodyPublishers.ofString("{}"))),
                405, "PUT is not allowed on /jobs/stats; use GET or HEAD");
    }

    private static String allowed(String method, String path) throws Exception {
        HttpResponse<String> response = app.send(HttpRequest.newBuilder(app.uri(path)).method(method, HttpRequest.BodyPublishers.ofString("{}")));
        assertEquals(405, response.statusCode(), method + " " + path + ": " + response.body());
        return response.headers().firstValue("Allow").orElse("");
    }

    @Test
    void requestHeadersAreNotEchoedBack() throws Exception {
        HttpResponse<String> response = app.send(HttpRequest.newBuilder(app.uri("/jobs/stats?secret=1")).header("X-Token", "t").GET());
        assertTrue(response.headers().firstValue("X-Token").isEmpty());
        assertTrue(response.headers().firstValue("secret").isEmpty());
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"),
                "content type of " + response.body());
        JsonNode body = JobJson.read(response.body());
        assertTrue(body.path("error").asText().contains(message), body.toString());
        assertNull(body.get("stackTrace"));
    }

    private static List<Integer> numbersIn(HttpResponse<String> response) {
        assertEquals(200, response.statusCode(), response.body());
        JsonNode page = JobJson.read(response.body());
        java.util.List<Integer> numbers = new java.util.ArrayList<>();
        page.forEach(job -> numbers.add(job.path("data").path("n").asInt()));
        return numbers;
    }

    private static List<String> fieldNames(JsonNode node) {
        java.util.List<String> names = new java.util.ArrayList<>();
        node.fieldNames().forEachRemaining(names::add);
        return names;
    }
}
