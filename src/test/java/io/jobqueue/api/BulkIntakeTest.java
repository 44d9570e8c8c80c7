package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.Map;
import java.util.StringJoiner;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/** POST /jobs/bulk over real HTTP, against the api role (no workers). */
class BulkIntakeTest {

    private static RunningApp app;
    private static Jedis redis;

    @BeforeAll
    static void start() throws Exception {
        app = RunningApp.start(Role.API, Map.of("jobqueue.api.max-bulk-jobs", "3000"));
        redis = TestRedis.plainClient();
    }

    @AfterAll
    static void stop() {
        app.close();
        redis.close();
    }

    @BeforeEach
    void empty() throws Exception {
        app.delete("/jobs/queued");
    }

    @Test
    void aJsonArrayBecomesOneJobPerElementInOrder() throws Exception {
        StringJoiner array = new StringJoiner(",", "[", "]");
        for (int n = 0; n < 2500; n++) {
            array.add("{\"n\":" + n + ",\"price\":1.50}");
        }

        HttpResponse<String> response = app.post("/jobs/bulk?maxAttempts=4", array.toString());

        assertEquals(201, response.statusCode(), response.body());
        JsonNode answer = JobJson.read(response.body());
        assertEquals(2500, answer.path("count").asInt());
        assertEquals(2500, answer.path("ids").size());
        assertEquals(2500, redis.llen(app.queue));
        JsonNode first = JobJson.read(redis.lindex(app.queue, -1)); // the next to be taken
        assertEquals(answer.path("ids").get(0).asText(), first.path("id").asText());
        assertEquals("{\"n\":0,\"price\":1.50}", first.path("data").toString());
        assertEquals("queued", first.path("status").asText());
        assertEquals(4, first.path("maxAttempts").asInt());
    }

    @Test
    void ndjsonWorksToo() throws Exception {
        HttpResponse<String> response = app.post("/jobs/bulk", "{\"n\":1}\n{\"n\":2}\n\n{\"n\":3}\n", "application/x-ndjson");

        assertEquals(201, response.statusCode(), response.body());
        assertEquals(3, JobJson.read(response.body()).path("count").asInt());
        assertEquals(3, redis.llen(app.queue));
    }

    @Test
    void oneBadElementRefusesTheWholeRequest() throws Exception {
        assertError(app.post("/jobs/bulk", "[{\"n\":1}, 42, {\"n\":3}]"), 400, "element 1 is not a JSON object (got number)");
        assertError(app.post("/jobs/bulk", "{\"n\":1}\n[2]\n"), 400, "line 2");
        assertError(app.post("/jobs/bulk", "[{\"n\":1}, {\"n\":"), 400, "invalid JSON");
        assertError(app.post("/jobs/bulk", "[]"), 400, "no jobs");
        assertError(app.post("/jobs/bulk", ""), 400, "empty");
        StringJoiner tooMany = new StringJoiner(",", "[", "]");
        for (int n = 0; n < 3001; n++) {
            tooMany.add("{}");
        }
        assertError(app.post("/jobs/bulk", tooMany.toString()), 413, "more than 3000 jobs");
        assertEquals(0, redis.llen(app.queue));
    }

    private static void assertError(HttpResponse<String> response, int status, String message) {
        assertEquals(status, response.statusCode(), response.body());
        assertTrue(JobJson.read(response.body()).path("error").asText().contains(message), response.body());
    }

}
