package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpResponse;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;

/**
 * Bodies at and past the limits of Jackson's parser (nesting depth, length of a number or of a name), through every
 * way a job comes in: each is a job (201) or a client error with a message (400), never a 500. (The limits reported
 * no location, and turning that into a message failed.)
 */
class JsonLimitsTest {

    private static RunningApp app;

    @BeforeAll
    static void start() throws Exception {
        app = RunningApp.start(Role.API, Map.of());
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void deepNestingLongNumbersAndLongNamesAreA201OrA400WithAMessage() throws Exception {
        Map<String, String> values = new LinkedHashMap<>();
        for (int depth : new int[] {999, 1000, 1001, 5000}) {
            values.put("nested " + depth + " deep", "{\"a\":" + "[".repeat(depth - 1) + "]".repeat(depth - 1) + "}");
        }
        values.put("a 2000-digit number", "{\"n\":" + "7".repeat(2000) + "}");
        values.put("a 2000-digit decimal", "{\"n\":0." + "7".repeat(2000) + "}");
        values.put("a 60,000-character name", "{\"" + "k".repeat(60_000) + "\":1}");

        for (Map.Entry<String, String> value : values.entrySet()) {
            String data = value.getValue();
            assertClientAnswer(value.getKey() + ", POST /jobs", app.post("/jobs", data));
            assertClientAnswer(value.getKey() + ", bulk array", app.post("/jobs/bulk", "[{\"n\":0}," + data + "]"));
            assertClientAnswer(value.getKey() + ", NDJSON", app.post("/jobs/bulk", "{\"n\":0}\n" + data + "\n", "application/x-ndjson"));
        }
        try (Jedis redis = TestRedis.plainClient()) {
            List<String> accepted = redis.lrange(app.queue, 0, -1);
            assertFalse(accepted.isEmpty());
            for (String job : accepted) {
                Job.parse(job); // what was accepted, a worker can read (the job adds a level of nesting to its data)
            }
        }
    }

    @Test
    void nestingPastJacksonsLimitSaysSo() throws Exception {
        String tooDeep = "{\"a\":" + "[".repeat(1500) + "]".repeat(1500) + "}";
        HttpResponse<String> response = app.post("/jobs", tooDeep);
        assertEquals(400, response.statusCode(), response.body());
        assertTrue(JobJson.read(response.body()).path("error").asText().contains("nesting depth"), response.body());
    }

    private static void assertClientAnswer(String what, HttpResponse<String> response) {
        assertTrue(response.statusCode() == 201 || response.statusCode() == 400, what + ": " + response.statusCode() + " " + response.body());
        JsonNode body = JobJson.read(response.body());
        if (response.statusCode() == 400) {
            assertFalse(body.path("error").asText().isBlank(), what + ": " + response.body());
            assertFalse(response.body().contains("Exception"), what + ": " + response.body());
        }
    }
}
