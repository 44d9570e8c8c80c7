package io.jobqueue.testing;

import java.io.IOException;
import java.nio.file.Path;

import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * A Redis of one test's own, on a free port, with its append-only file in a directory of the test's, that the test
 * may stop and start again (an outage), as the shared {@link TestRedis} may not be.
 */
public final class PrivateRedis implements AutoCloseable {

    public final int port;
    private final Path directory;
    private RedisServer server;

    public PrivateRedis(Path directory) throws IOException {
        this.port = TestRedis.freePort();
        this.directory = directory;
        start();
    }

    public String url() {
        return "redis://127.0.0.1:" + port;
    }

    public Jedis client() {
        return new Jedis("127.0.0.1", port);
    }

    /**
     * DEBUG SLEEP: Redis answers nothing, to anyone, for that long, then carries on with what it was sent meanwhile
     * (a busy or frozen Redis, as a slow script or a fork on a big data set makes it). Returns when it wakes.
     */
    public void debugSleep(double seconds) {
        try (Jedis patient = new Jedis("127.0.0.1", port, (int) (seconds * 1000) + 10_000)) {
            patient.sendCommand(() -> "DEBUG".getBytes(java.nio.charset.StandardCharsets.US_ASCII), "SLEEP", String.valueOf(seconds));
        }
    }

    public synchronized void start() throws IOException {
        java.nio.file.Files.createDirectories(directory);
        server = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("dir " + directory.toAbsolutePath())
                .setting("appendonly yes")
                .setting("appendfsync always")
                .setting("save \"\"")
                .soutListener(line -> { })
                .serrListener(line -> { })
                .build();
        server.start();
    }

    /** Stops Redis as an operator would (SIGTERM: it writes what it has and exits). */
    public synchronized void stop() throws IOException {
        if (server != null) {
            server.stop();
            server = null;
        }
    }

    @Override
    public void close() throws IOException {
        stop();
    }
}
