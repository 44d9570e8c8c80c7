package io.jobqueue.testing;

import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.GenericContainer;
import redis.clients.jedis.Jedis;
import redis.embedded.RedisServer;

/**
 * The real Redis the tests talk to, found once per JVM, in this order: {@code REDIS_URL} when set; a Testcontainers
 * Redis when a Docker engine is available; otherwise a redis-server started on a free port (the embedded-redis
 * library's binary, or {@code redis-server} from PATH). Tests never flush it: each test uses its own queue name.
 */
public final class TestRedis {

    private static String url;
    private static String origin;

    private TestRedis() {
    }

    public static synchronized String url() {
        if (url == null) {
            start();
        }
        return url;
    }

    /** Where the Redis came from, for test logs. */
    public static synchronized String origin() {
        url();
        return origin;
    }

    /** A plain Redis client, as another program would use: no template, no serializer, no scripts of ours. */
    public static Jedis plainClient() {
        return new Jedis(URI.create(url()));
    }

    private static void start() {
        String fromEnvironment = System.getenv("REDIS_URL");
        if (fromEnvironment != null && !fromEnvironment.isBlank()) {
            url = fromEnvironment;
            origin = "REDIS_URL";
            return;
        }
        if (DockerClientFactory.instance().isDockerAvailable()) {
            GenericContainer<?> container = new GenericContainer<>("redis:7-alpine").withExposedPorts(6379);
            container.start();
            url = "redis://" + container.getHost() + ":" + container.getMappedPort(6379);
            origin = "Testcontainers";
            return;
        }
        int port = freePort();
        try {
            RedisServer server = RedisServer.newRedisServer()
                    .port(port)
                    .bind("127.0.0.1")
                    .setting("save \"\"")
                    .setting("appendonly no")
                    .soutListener(line -> { })
                    .serrListener(line -> { })
                    .build();
            server.start();
            origin = "embedded-redis binary";
        } catch (IOException | RuntimeException embeddedFailed) {
            startRedisServerFromPath(port);
            origin = "redis-server from PATH";
        }
        url = "redis://127.0.0.1:" + port;
    }

    private static void startRedisServerFromPath(int port) {
        try {
            Path dir = Files.createTempDirectory("test-redis");
            Process process = new ProcessBuilder(List.of("redis-server", "--port", String.valueOf(port),
                    "--bind", "127.0.0.1", "--save", "", "--appendonly", "no", "--dir", dir.toString()))
                    .redirectErrorStream(true).redirectOutput(dir.resolve("redis.log").toFile()).start();
            Runtime.getRuntime().addShutdownHook(new Thread(process::destroy));
            for (int i = 0; i < 100; i++) {
                try (Jedis jedis = new Jedis("127.0.0.1", port)) {
                    jedis.ping();
                    return;
                } catch (RuntimeException notYet) {
                    TimeUnit.MILLISECONDS.sleep(50);
                }
            }
            throw new IllegalStateException("redis-server did not answer on port " + port);
        } catch (IOException | InterruptedException e) {
            throw new IllegalStateException("no Redis for the tests: set REDIS_URL, or install redis-server", e);
        }
    }

    public static int freePort() {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        } catch (IOException e) {
            throw new IllegalStateException(e);
        }
    }
}
