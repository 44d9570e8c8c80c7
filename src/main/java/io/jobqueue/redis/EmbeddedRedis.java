package io.jobqueue.redis;

import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.RedisServer;

/**
 * The Redis used when no URL is configured: a real redis-server process from the embedded-redis library, on a fixed
 * local port, with its append-only file in a local directory. When a Redis already answers on that port (another
 * process of ours started it), it is shared instead, so api, worker and monitor processes on one machine meet in one
 * Redis. The process that started it stops it when it stops.
 */
public final class EmbeddedRedis extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    private static final String HOW_TO_CHOOSE =
            "Set REDIS_URL=redis://host:port (or jobqueue.redis.url) to use your own Redis.";

    private final int port;
    private final Path directory;
    private RedisServer server;

    public EmbeddedRedis(int port, Path directory) {
        this.port = port;
        this.directory = directory.toAbsolutePath().normalize();
    }

    public RedisUrl url() {
        return new RedisUrl("127.0.0.1", port, 0, null, null, false);
    }

    @Override
    protected void doStart() throws IOException {
        if (answersPing(port)) {
            LOG.info("No Redis URL configured: using the embedded Redis already running on 127.0.0.1:{}. {}", port, HOW_TO_CHOOSE);
            return;
        }
        Files.createDirectories(directory);
        RedisServer starting = RedisServer.newRedisServer()
                .port(port)
                .bind("127.0.0.1")
                .setting("dir " + directory)
                .setting("appendonly yes")
                .setting("appendfsync everysec")
                .setting("save \"\"")
                .soutListener(line -> LOG.debug("redis: {}", line))
                .serrListener(line -> LOG.warn("redis: {}", line))
                .build();
        try {
            starting.start();
        } catch (IOException e) {
            // another process of ours may have started one on this port a moment ago
            if (answersPing(port)) {
                LOG.info("No Redis URL configured: using the embedded Redis another process started on 127.0.0.1:{}. {}", port, HOW_TO_CHOOSE);
                return;
            }
            throw new IOException("could not start the embedded Redis on port " + port + ": " + e.getMessage()
                    + ". " + HOW_TO_CHOOSE, e);
        }
        server = starting;
        LOG.info("No Redis URL configured: started an embedded Redis on 127.0.0.1:{} (data and append-only file in {}). {}",
                port, directory, HOW_TO_CHOOSE);
    }

    @Override
    protected void doStop() throws IOException {
        if (server != null) {
            server.stop(); // SIGTERM: Redis flushes its append-only file and exits
            server = null;
            LOG.info("Stopped the embedded Redis on 127.0.0.1:{}", port);
        }
    }

    /** Whether a Redis answers PING on localhost at {@code port}, asked with a raw socket so no client pool is made. */
    static boolean answersPing(int port) {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 300);
            socket.setSoTimeout(500);
            OutputStream out = socket.getOutputStream();
            out.write("PING\r\n".getBytes(StandardCharsets.US_ASCII));
            out.flush();
            InputStream in = socket.getInputStream();
            byte[] reply = new byte[5];
            int read = in.readNBytes(reply, 0, reply.length);
            return read == 5 && new String(reply, StandardCharsets.US_ASCII).equals("+PONG");
        } catch (IOException e) {
            return false;
        }
    }
}
