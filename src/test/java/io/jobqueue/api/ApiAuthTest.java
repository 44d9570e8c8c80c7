package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;

import io.jobqueue.Role;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;

/** Bearer tokens and roles over real HTTP, and where the API listens with and without them. */
class ApiAuthTest {

    private static final String READER = "reader-9f2c4e1a";
    private static final String WRITER = "writer-3b7d8c2e";
    private static final String ADMIN = "admin-5e1a9d4f";
    private static final String FROM_FILE = "from-file-7c3e2b1d";

    private static RunningApp app;
    private static Jedis redis;

    @BeforeAll
    static void start(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("tokens");
        Files.writeString(file, "# token roles\n" + FROM_FILE + "  write + read\n\n");
        app = RunningApp.start(Role.API, Map.of(
                "jobqueue.api.tokens", READER + ":read, " + WRITER + ":read+write, " + ADMIN + ":admin",
                "jobqueue.api.tokens-file", file.toString()));
        redis = TestRedis.plainClient();
    }

    @AfterAll
    static void stop() {
        app.close();
        redis.close();
    }

    @Test
    void eachRoleMayDoWhatItNamesAndAdminEverything() throws Exception {
        assertEquals(200, send("GET", "/jobs/stats", READER).statusCode());
        assertEquals(200, send("HEAD", "/jobs/queued", READER).statusCode());
        assertForbidden(send("POST", "/jobs", READER), "POST /jobs needs a token with the 'write' role");
        assertForbidden(send("POST", "/jobs/bulk", READER), "'write'");

        assertEquals(201, send("POST", "/jobs", WRITER).statusCode());
        assertEquals(201, send("POST", "/jobs/bulk", FROM_FILE).statusCode());
        assertEquals(200, send("GET", "/jobs/queued", WRITER).statusCode());
        assertForbidden(send("DELETE", "/jobs/failed", WRITER), "DELETE /jobs/failed needs a token with the 'admin' role");
        assertForbidden(send("POST", "/jobs/failed/retry", WRITER), "'admin'");
        assertForbidden(send("POST", "/jobs/failed/job_1/retry", FROM_FILE), "'admin'");
        assertForbidden(send("POST", "/nowhere", WRITER), "'admin'"); // anything not named needs admin

        assertEquals(200, send("GET", "/jobs/stats", ADMIN).statusCode());
        assertEquals(201, send("POST", "/jobs", ADMIN).statusCode());
        assertEquals(200, send("POST", "/jobs/failed/retry", ADMIN).statusCode());
        assertEquals(200, send("DELETE", "/jobs/queued", ADMIN).statusCode());
        assertEquals(0, redis.llen(app.queue));
    }

    @Test
    void withoutAValidBearerTokenARequestGets401AndNothingIsDone() throws Exception {
        for (String authorization : new String[] {null, "Basic " + READER, "Bearer", "Bearer not-a-token", "Bearer " + READER + "x"}) {
            HttpRequest.Builder request = HttpRequest.newBuilder(app.uri("/jobs")).header("Content-Type", "application/json")
                    .POST(HttpRequest.BodyPublishers.ofString("{\"n\":1}"));
            if (authorization != null) {
                request.header("Authorization", authorization);
            }
            HttpResponse<String> response = app.send(request);
            assertEquals(401, response.statusCode(), authorization + ": " + response.body());
            assertTrue(response.headers().firstValue("WWW-Authenticate").orElse("").startsWith("Bearer"), authorization);
            assertTrue(response.headers().firstValue("Content-Type").orElse("").startsWith("application/json"));
            assertTrue(JobJson.read(response.body()).path("error").asText().contains("token"), response.body());
        }
        assertEquals(401, app.get("/jobs/stats").statusCode());
        assertEquals(0, redis.llen(app.queue));
        assertEquals(200, send("GET", "/jobs/stats", "  " + READER + " ").statusCode(), "the scheme in any case, spaces around");
    }

    @Test
    void withTokensTheApiListensOnEveryInterface() {
        assertEquals("0.0.0.0", app.camel().hasService(ApiHttpServer.class).getHost());
    }

    @Test
    void withoutTokensTheApiListensOnThisMachineOnlyUnlessAnonymousAccessIsAllowed() throws Exception {
        try (RunningApp open = RunningApp.start(Role.API, Map.of())) {
            assertEquals("127.0.0.1", open.camel().hasService(ApiHttpServer.class).getHost());
        }
        Exception refused = assertThrows(Exception.class, () -> RunningApp.start(Role.API, Map.of("camel.server.host", "0.0.0.0")));
        assertTrue(messages(refused).contains("jobqueue.api.allow-anonymous=true"), messages(refused));
        try (RunningApp anonymous = RunningApp.start(Role.API, Map.of("camel.server.host", "0.0.0.0",
                "jobqueue.api.allow-anonymous", "true"))) {
            assertEquals("0.0.0.0", anonymous.camel().hasService(ApiHttpServer.class).getHost());
            assertEquals(200, anonymous.get("/jobs/stats").statusCode());
        }
    }

    @Test
    void camelsManagementEndpointsShareThePortAndNeedTheReadRole() throws Exception {
        int port = TestRedis.freePort();
        try (RunningApp observed = RunningApp.start(Role.API, Map.of("camel.server.port", String.valueOf(port),
                "camel.management.enabled", "true", "camel.management.port", String.valueOf(port),
                "camel.management.info-enabled", "true", "jobqueue.api.tokens", READER + ":read"))) {
            assertEquals(401, observed.get("/observe/info").statusCode());
            HttpResponse<String> info = observed.send(HttpRequest.newBuilder(observed.uri("/observe/info"))
                    .header("Authorization", "Bearer " + READER));
            assertEquals(200, info.statusCode(), info.body());
            assertTrue(info.body().contains("\"camel\""), info.body());
        }
    }

    private static HttpResponse<String> send(String method, String path, String token) throws Exception {
        String body = path.equals("/jobs/bulk") ? "[{\"n\":1}]" : path.equals("/jobs") ? "{\"n\":1}" : "";
        return app.send(HttpRequest.newBuilder(app.uri(path)).header("Authorization", "bearer " + token)
                .header("Content-Type", "application/json")
                .method(method, body.isEmpty() ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body)));
    }

    private static void assertForbidden(HttpResponse<String> response, String message) {
        assertEquals(403, response.statusCode(), response.body());
        assertTrue(JobJson.read(response.body()).path("error").asText().contains(message), response.body());
    }

    private static String messages(Throwable error) {
        StringBuilder all = new StringBuilder();
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            all.append(cause.getMessage()).append('\n');
        }
        return all.toString();
    }
}
