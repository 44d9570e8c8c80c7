package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import io.jobqueue.Role;
import io.jobqueue.testing.RawHttp;
import io.jobqueue.testing.RunningApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/** Clients that hold connections without using them: trickled headers, idle connections, more than the cap. */
class SlowClientsTest {

    private static RunningApp app;

    @BeforeAll
    static void start() throws Exception {
        app = RunningApp.start(Role.API, Map.of(
                "jobqueue.api.header-timeout-ms", "2500",
                "jobqueue.api.idle-timeout-ms", "3000"));
    }

    @AfterAll
    static void stop() {
        app.close();
    }

    @Test
    void headersTrickledOneByteEveryTwoSecondsAreCutOffAtTheHeaderTimeout() throws Exception {
        byte[] request = "GET /jobs/stats HTTP/1.1\r\nHost: test\r\n\r\n".getBytes();
        try (RawHttp client = new RawHttp(app.port)) {
            long start = System.nanoTime();
            String answer = "";
            // never idle for the idle timeout's 3 s, yet the whole request would take 80 s to arrive
            for (int i = 0; i < request.length && answer.isEmpty(); i++) {
                try {
                    client.send(new byte[] {request[i]});
                } catch (IOException closed) {
                    break;
                }
                answer = client.readAnswer(Duration.ofSeconds(2));
            }
            long tookMs = (System.nanoTime() - start) / 1_000_000;
            assertEquals(408, RawHttp.status(answer), answer);
            assertTrue(answer.contains("the request headers took longer than 2500 ms to arrive (jobqueue.api.header-timeout-ms)"), answer);
            assertTrue(tookMs >= 2400 && tookMs < 4500, "cut off after " + tookMs + " ms");
            assertTrue(client.isClosedWithin(Duration.ofSeconds(1)));
        }
    }

    @Test
    void aConnectionThatSendsNothingIsClosedAtTheHeaderTimeout() throws Exception {
        try (RawHttp silent = new RawHttp(app.port)) {
            assertFalse(silent.isClosedWithin(Duration.ofMillis(2000)));
            assertTrue(silent.isClosedWithin(Duration.ofMillis(900)), "closed at the header timeout, before the idle timeout");
        }
    }

    @Test
    void thousandsOfIdleConnectionsLeaveRoomForARequestAndTheOnesOverTheCapGet503() throws Exception {
        List<RawHttp> connections = new ArrayList<>();
        // no header timeout here (0), so that the idle connections stay for as long as the test needs them
        try (RunningApp capped = RunningApp.start(Role.API, Map.of("jobqueue.api.max-connections", "2100",
                "jobqueue.api.header-timeout-ms", "0"))) {
            for (int i = 0; i < 2000; i++) {
                connections.add(new RawHttp(capped.port));
            }
            long start = System.nanoTime();
            HttpResponse<String> stats = capped.get("/jobs/stats");
            assertEquals(200, stats.statusCode());
            assertTrue(System.nanoTime() - start < Duration.ofSeconds(2).toNanos(), "answered in " + (System.nanoTime() - start) / 1_000_000 + " ms");

            List<RawHttp> more = new ArrayList<>();
            for (int i = 0; i < 200; i++) {
                more.add(new RawHttp(capped.port));
            }
            connections.addAll(more);
            Thread.sleep(500);
            List<String> refused = new ArrayList<>();
            for (RawHttp connection : more) {
                if (connection.hasAnswerWaiting()) {
                    refused.add(connection.readAnswer(Duration.ofSeconds(1)));
                }
            }
            // 2,000, the one that asked for stats if the client keeps it, and 99 or 100 more fill the 2,100
            assertTrue(refused.size() >= 95 && refused.size() <= 101, refused.size() + " refused");
            for (String answer : refused) {
                assertEquals(503, RawHttp.status(answer), answer);
                assertTrue(answer.contains("{\"error\":\"too many connections (jobqueue.api.max-connections=2100)"), answer);
            }

            assertFalse(connections.get(0).isClosedWithin(Duration.ofMillis(200)), "silent for seconds, and still open");
            for (int i = 0; i < 200; i++) {
                connections.remove(0).close(); // room again
            }
            Thread.sleep(200);
            assertEquals(200, capped.get("/jobs/stats").statusCode());
        } finally {
            for (RawHttp connection : connections) {
                connection.close();
            }
        }
    }

    @Test
    void anIdleKeptAliveConnectionIsClosedAfterTheIdleTimeout() throws Exception {
        try (RawHttp client = new RawHttp(app.port)) {
            client.send("GET /jobs/stats HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals(200, RawHttp.status(client.readAnswer(Duration.ofSeconds(5))));
            client.send("GET /jobs/stats HTTP/1.1\r\nHost: test\r\n\r\n");
            assertEquals(200, RawHttp.status(client.readAnswer(Duration.ofSeconds(5))), "kept alive");
            long start = System.nanoTime();
            assertTrue(client.isClosedWithin(Duration.ofSeconds(5)));
            long idleMs = (System.nanoTime() - start) / 1_000_000;
            assertTrue(idleMs >= 2500, "closed after " + idleMs + " ms idle");
        }
    }
}
