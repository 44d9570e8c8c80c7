package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

/** The packaged jar's start-up log: where it listens, whether a token ever shows, and a host it refuses to serve. */
class ApiSecurityIT {

    private static final String TOKEN = "it-token-2c7e9a41f05b";

    @TempDir
    Path work;

    @Test
    void aTokenIsNeverLoggedAndTheApiSaysWhoItServes() throws Exception {
        int port = TestRedis.freePort();
        try (JarProcess api = JarProcess.start(work.resolve("tokens"), "api", Map.of("camel.server.port", String.valueOf(port),
                "jobqueue.api.tokens", TOKEN + ":admin", "jobqueue.queue-name", "it_security"), Map.of("REDIS_URL", TestRedis.url()))) {
            assertTrue(api.awaitLog("started in", Duration.ofSeconds(60)), api.stderr());
            HttpResponse<String> unauthorized = get(port, "Bearer wrong-" + TOKEN);
            HttpResponse<String> authorized = get(port, "Bearer " + TOKEN);
            assertEquals(401, unauthorized.statusCode());
            assertEquals(200, authorized.statusCode(), authorized.body());

            assertTrue(api.stderr().contains("jobqueue.api.tokens = xxxxxx"), "camel-main's settings summary masks it");
            assertTrue(api.stderr().contains("listening on 0.0.0.0:" + port), api.stderr());
            assertTrue(api.stderr().contains("Open-file limit"), api.stderr());
            assertFalse(api.stderr().contains(TOKEN) || api.stdout().contains(TOKEN), api.stderr());
        }
        try (JarProcess open = JarProcess.start(work.resolve("open"), "api", Map.of("camel.server.port", String.valueOf(port),
                "jobqueue.queue-name", "it_security"), Map.of("REDIS_URL", TestRedis.url()))) {
            assertTrue(open.awaitLog("started in", Duration.ofSeconds(60)), open.stderr());
            assertTrue(open.stderr().contains("API open to this machine only; set jobqueue.api.tokens to serve other hosts"), open.stderr());
            assertTrue(open.stderr().contains("listening on 127.0.0.1:" + port), open.stderr());
        }
    }

    @Test
    void anotherAddressWithoutTokensIsRefusedAtStart() throws Exception {
        try (JarProcess refused = JarProcess.start(work.resolve("refused"), "api", Map.of(
                "camel.server.port", String.valueOf(TestRedis.freePort()), "camel.server.host", "0.0.0.0"),
                Map.of("REDIS_URL", TestRedis.url()))) {
            assertTrue(refused.awaitLog("jobqueue.api.allow-anonymous=true", Duration.ofSeconds(60)), refused.stderr());
            assertTrue(refused.waitForExit(Duration.ofSeconds(30)) != 0, refused.stderr());
        }
    }

    private static HttpResponse<String> get(int port, String authorization) throws Exception {
        return HttpClient.newHttpClient().send(HttpRequest.newBuilder(URI.create("http://127.0.0.1:" + port + "/jobs/stats"))
                .header("Authorization", authorization).build(), HttpResponse.BodyHandlers.ofString());
    }
}
