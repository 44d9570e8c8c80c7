package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.lang.management.ManagementFactory;
import java.lang.management.MemoryPoolMXBean;
import java.lang.management.MemoryType;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.atomic.AtomicBoolean;

import io.jobqueue.Role;
import io.jobqueue.testing.RawHttp;
import io.jobqueue.testing.RunningApp;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Request bodies are bounded before they cost memory: by their declared length, as they arrive, and all together.
 * The defaults: POST /jobs 1 MiB, POST /jobs/bulk 64 MiB (camel.server.max-body-size), 128 MiB of bodies at once.
 */
class BodyLimitsTest {

    private static final int MB = 1024 * 1024;

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
    void aDeclaredLengthOverTheLimitIsAnswered413BeforeTheBodyIsSent() throws Exception {
        try (RawHttp client = new RawHttp(app.port)) {
            client.send("POST /jobs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: 62914560\r\n\r\n");
            String answer = client.readAnswer(Duration.ofSeconds(5)); // not a byte of the body sent
            assertEquals(413, RawHttp.status(answer), answer);
            assertTrue(answer.contains("the body is too large: 62914560 bytes; the limit is 1048576 (jobqueue.api.max-body-bytes)"), answer);
            assertTrue(answer.toLowerCase().contains("connection: close"), answer);
            assertTrue(client.isClosedWithin(Duration.ofSeconds(5)));
        }
    }

    @Test
    void aChunkedBodyIsCutOffAtTheLimit() throws Exception {
        try (RawHttp client = new RawHttp(app.port)) {
            client.send("POST /jobs HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nTransfer-Encoding: chunked\r\n\r\n");
            byte[] chunk = ("10000\r\n" + "x".repeat(0x10000) + "\r\n").getBytes();
            for (int i = 0; i < 17; i++) { // 1 MiB and one more chunk; the body never ends
                client.send(chunk);
            }
            String answer = client.readAnswer(Duration.ofSeconds(5));
            assertEquals(413, RawHttp.status(answer), answer);
            assertTrue(answer.contains("the limit is 1048576 (jobqueue.api.max-body-bytes)"), answer);
        }
        assertEquals(201, app.post("/jobs", "{\"n\":1}").statusCode());
    }

    /** Forty clients each post 60 MB at once, to POST /jobs and to POST /jobs/bulk, sending as fast as they can. */
    @Test
    void fortyParallelSixtyMegabytePostsLeaveMemoryWhereItWas() throws Exception {
        int clients = 40;
        long declared = 60L * MB;
        RequestGate gate = app.camel().hasService(ApiHttpServer.class).gate();
        System.gc();
        long heapBefore = heapUsed();
        resetPeaks();

        List<Integer> toJobs = postInParallel("/jobs", clients, declared);
        List<Integer> toBulk = postInParallel("/jobs/bulk", clients, declared);

        long oldGenerationPeak = oldGenerationPeak();
        assertEquals(List.of(413), distinct(toJobs), "POST /jobs: refused by its declared length, unread: " + toJobs);
        // bulk bodies of this size are allowed; two fit in the budget at once (then 400: they are not JSON), the rest
        // are refused before they are read
        assertTrue(distinct(toBulk).stream().allMatch(status -> status == 400 || status == 503), toBulk.toString());
        assertTrue(toBulk.stream().filter(status -> status == 503).count() >= clients - 4, toBulk.toString());
        assertTrue(oldGenerationPeak - heapBefore < 600L * MB, "bodies held at once: "
                + (oldGenerationPeak - heapBefore) / MB + " MB (forty would be " + clients * declared / MB + " MB)");

        assertEquals(201, app.post("/jobs", "{\"n\":1}").statusCode());
        // a request's room is given back once its answer is written, which the client may see a moment before
        awaitNoBufferedBodies(gate);
        System.gc();
        assertTrue(heapUsed() - heapBefore < 64L * MB, "heap after: " + (heapUsed() - heapBefore) / MB + " MB more than before");
    }

    @Test
    void uploadsAbandonedHalfwayGiveTheirRoomBack() throws Exception {
        RequestGate gate = app.camel().hasService(ApiHttpServer.class).gate();
        for (int i = 0; i < 5; i++) {
            try (RawHttp client = new RawHttp(app.port)) {
                client.send("POST /jobs/bulk HTTP/1.1\r\nHost: test\r\nContent-Length: 50000000\r\n\r\n[{\"n\":1},");
                client.send(new byte[MB]);
            }
        }
        awaitNoBufferedBodies(gate);
        HttpResponse<String> bulk = app.post("/jobs/bulk", "[{\"n\":1}]");
        assertEquals(201, bulk.statusCode(), bulk.body());
    }

    private static void awaitNoBufferedBodies(RequestGate gate) throws InterruptedException {
        long deadline = System.nanoTime() + Duration.ofSeconds(5).toNanos();
        while (gate.bufferedBodyBytes() > 0 && System.nanoTime() < deadline) {
            Thread.sleep(20);
        }
        assertEquals(0, gate.bufferedBodyBytes(), "every body's room was given back");
    }

    /** Posts {@code length} bytes of not-JSON from each of {@code clients} connections at once; their statuses. */
    private static List<Integer> postInParallel(String path, int clients, long length) throws Exception {
        ExecutorService threads = Executors.newFixedThreadPool(2 * clients);
        try {
            List<Future<Integer>> statuses = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                statuses.add(threads.submit(() -> postAsFastAsPossible(threads, path, length)));
            }
            List<Integer> result = new ArrayList<>();
            for (Future<Integer> status : statuses) {
                result.add(status.get());
            }
            return result;
        } finally {
            threads.shutdownNow();
        }
    }

    /** Sends the whole body without waiting, as an attacker would; reads the answer as soon as it comes. */
    private static int postAsFastAsPossible(ExecutorService threads, String path, long length) throws Exception {
        try (RawHttp client = new RawHttp(app.port)) {
            client.send("POST " + path + " HTTP/1.1\r\nHost: test\r\nContent-Type: application/json\r\nContent-Length: "
                    + length + "\r\n\r\n");
            AtomicBoolean answered = new AtomicBoolean();
            threads.submit(() -> {
                byte[] junk = new byte[64 * 1024];
                Arrays.fill(junk, (byte) 'x');
                try {
                    for (long sent = 0; sent < length && !answered.get(); sent += junk.length) {
                        client.send(junk);
                    }
                } catch (java.io.IOException closedByTheServer) {
                    // expected when the answer came first
                }
                return null;
            });
            int status = RawHttp.status(client.readAnswer(Duration.ofSeconds(20)));
            answered.set(true);
            return status;
        }
    }

    private static List<Integer> distinct(List<Integer> statuses) {
        return statuses.stream().distinct().sorted().toList();
    }

    private static long heapUsed() {
        return ManagementFactory.getMemoryMXBean().getHeapMemoryUsage().getUsed();
    }

    private static void resetPeaks() {
        ManagementFactory.getMemoryPoolMXBeans().forEach(MemoryPoolMXBean::resetPeakUsage);
    }

    /**
     * The peak of the heap's long-lived part plus what the young part held at that time, bounded from above by the
     * peaks of every heap pool: bodies of this size go straight to the old generation (G1's humongous regions).
     */
    private static long oldGenerationPeak() {
        long peak = 0;
        for (MemoryPoolMXBean pool : ManagementFactory.getMemoryPoolMXBeans()) {
            if (pool.getType() == MemoryType.HEAP && !pool.getName().contains("Eden") && !pool.getName().contains("Survivor")) {
                peak += pool.getPeakUsage().getUsed();
            }
        }
        return peak;
    }
}
