package io.jobqueue.redis;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.channels.FileChannel;
import java.nio.channels.SeekableByteChannel;
import java.nio.charset.StandardCharsets;
import java.nio.file.FileAlreadyExistsException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.security.SecureRandom;
import java.util.Base64;
import java.util.List;
import java.util.Set;
import java.util.concurrent.TimeUnit;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import redis.embedded.core.ExecutableProvider;

/**
 * The Redis used when no URL is configured: a redis-server process (the binary bundled in the embedded-redis library)
 * on a fixed local port, with its append-only file in a data directory. It is this user's alone: it asks for a
 * password that is kept in the data directory, and the directory (0700), the password (0600) and whatever Redis writes
 * there are the owner's only. Other processes of the same user started without a URL, with the same port and
 * directory, share it: they read the password from the directory. A listener on the port that does not answer to that
 * password is refused, never trusted ({@link EmbeddedRedisProbe}).
 * <p>
 * The process that started it stops it when Camel stops this service, which is added first and so stopped last:
 * after the workers have finished or handed back their jobs. That is why it is started here rather than by the
 * library, whose JVM shutdown hook stops Redis in parallel with Camel's shutdown, and why it runs in a session of its
 * own: Ctrl-C in a terminal sends SIGINT to the whole foreground process group, and Redis would stop at once with the
 * JVM's other children.
 */
public final class EmbeddedRedis extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(EmbeddedRedis.class);
    static final String HOST = "127.0.0.1";
    private static final String HOW_TO_CHOOSE =
            "Set REDIS_URL=redis://host:port (or jobqueue.redis.url) to use your own Redis.";
    private static final Set<PosixFilePermission> OWNER_ONLY_DIRECTORY = PosixFilePermissions.fromString("rwx------");
    private static final Set<PosixFilePermission> OWNER_ONLY_FILE = PosixFilePermissions.fromString("rw-------");
    /*
     * umask 077: the files Redis creates (append-only file, its rewrites, the log) are the owner's only, whatever the
     * JVM's umask. setsid: a session and process group of its own, away from the terminal's signals. Both exec, so the
     * Process is redis-server itself and destroy() sends it SIGTERM.
     */
    private static final String LAUNCH =
            "umask 077; if command -v setsid >/dev/null 2>&1; then exec setsid \"$@\"; fi; exec \"$@\"";
    private static final long READY_TIMEOUT_MS = 60_000; // a long append-only file takes a while to load
    private static final long STOP_TIMEOUT_MS = 30_000;

    private final int port;
    private final Path directory;
    private final String password;
    private Process server;

    private EmbeddedRedis(int port, Path directory, String password) {
        this.port = port;
        this.directory = directory;
        this.password = password;
    }

    /**
     * The embedded Redis of {@code directory}: creates the directory (owner only) and its password when they are not
     * there yet, else reads the password. Nothing is started before Camel starts the service.
     */
    public static EmbeddedRedis prepare(int port, Path directory) throws IOException {
        Path absolute = directory.toAbsolutePath().normalize();
        createOwnerOnlyDirectory(absolute);
        try (FileChannel ignored = lock(absolute)) {
            return new EmbeddedRedis(port, absolute, readOrCreatePassword(absolute.resolve("password")));
        }
    }

    public RedisUrl url() {
        return new RedisUrl(HOST, port, 0, null, password, false);
    }

    @Override
    protected void doStart() throws IOException, InterruptedException {
        // one start at a time per data directory: two processes of ours starting together must not both launch one
        try (FileChannel ignored = lock(directory)) {
            EmbeddedRedisProbe.Found found = probe();
            if (found != EmbeddedRedisProbe.Found.NOTHING) {
                awaitReady(null);
                LOG.info("No Redis URL configured: using the embedded Redis already running on {}:{}. {}", HOST, port, HOW_TO_CHOOSE);
                return;
            }
            Process started = launch();
            try {
                awaitReady(started);
            } catch (IOException | InterruptedException | RuntimeException e) {
                started.destroyForcibly();
                throw e;
            }
            server = started;
        }
        LOG.info("No Redis URL configured: started an embedded Redis on {}:{} (data, append-only file and password in {}). {}",
                HOST, port, directory, HOW_TO_CHOOSE);
    }

    @Override
    protected void doStop() throws InterruptedException {
        if (server == null) {
            return;
        }
        LOG.info("Stopping the embedded Redis on {}:{}", HOST, port);
        server.destroy(); // SIGTERM: Redis flushes its append-only file and exits
        if (!server.waitFor(STOP_TIMEOUT_MS, TimeUnit.MILLISECONDS)) {
            LOG.warn("The embedded Redis did not stop within {} ms of SIGTERM; killing it", STOP_TIMEOUT_MS);
            server.destroyForcibly().waitFor();
        }
        server = null;
        LOG.info("Stopped the embedded Redis on {}:{}", HOST, port);
    }

    private EmbeddedRedisProbe.Found probe() throws IOException {
        return EmbeddedRedisProbe.probe(port, password, directory.resolve("password"));
    }

    private Process launch() throws IOException {
        Path config = directory.resolve("redis.conf");
        Files.deleteIfExists(config); // created afresh below with owner-only permissions, whatever an old one had
        writeOwnerOnly(config, String.join("\n",
                "bind " + HOST,
                "port " + port,
                "dir " + quoted(directory.toString()),
                "logfile " + quoted(directory.resolve("redis.log").toString()),
                "requirepass " + quoted(password),
                "appendonly yes",
                "appendfsync everysec",
                "save \"\"",
                "daemonize no",
                ""));
        String binary = ExecutableProvider.newJarResourceProvider().get().getAbsolutePath();
        // the password is in the config file, not on the command line where ps would show it
        return new ProcessBuilder(List.of("/bin/sh", "-c", LAUNCH, "redis-server", binary, config.toString()))
                .directory(directory.toFile())
                .redirectOutput(ProcessBuilder.Redirect.INHERIT)
                .redirectError(ProcessBuilder.Redirect.INHERIT)
                .start();
    }

    /** Waits until the Redis on the port answers commands (it refuses them while it loads its append-only file). */
    private void awaitReady(Process started) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(READY_TIMEOUT_MS);
        while (probe() != EmbeddedRedisProbe.Found.OUR_REDIS) {
            if (started != null && !started.isAlive()) {
                throw new IOException("the embedded Redis on port " + port + " exited at start (exit code " + started.exitValue()
                        + "); see " + directory.resolve("redis.log") + ". " + HOW_TO_CHOOSE);
            }
            if (System.nanoTime() > deadline) {
                throw new IOException("the embedded Redis on port " + port + " was not ready within " + READY_TIMEOUT_MS
                        + " ms; see " + directory.resolve("redis.log"));
            }
            Thread.sleep(50);
        }
    }

    private static void createOwnerOnlyDirectory(Path directory) throws IOException {
        Files.createDirectories(directory.getParent());
        try {
            Files.createDirectory(directory, PosixFilePermissions.asFileAttribute(OWNER_ONLY_DIRECTORY));
        } catch (FileAlreadyExistsException madeEarlier) {
            Set<PosixFilePermission> was = Files.getPosixFilePermissions(directory);
            if (!was.equals(OWNER_ONLY_DIRECTORY)) {
                // an earlier version made it with the default permissions
                Files.setPosixFilePermissions(directory, OWNER_ONLY_DIRECTORY);
                LOG.warn("Made the embedded Redis's data directory {} the owner's only (it was {})", directory,
                        PosixFilePermissions.toString(was));
            }
        }
    }

    /**
     * Blocks until this process holds the data directory's lock (another process of ours may hold it for a moment);
     * closing the returned channel releases it.
     */
    private static FileChannel lock(Path directory) throws IOException {
        FileChannel channel = FileChannel.open(directory.resolve("start.lock"),
                Set.of(StandardOpenOption.CREATE, StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE));
        try {
            channel.lock();
            return channel;
        } catch (IOException | RuntimeException e) {
            channel.close();
            throw e;
        }
    }

    /** Called under the directory's lock, so a password being written is never read half-written. */
    private static String readOrCreatePassword(Path file) throws IOException {
        if (Files.exists(file)) {
            String password = Files.readString(file, StandardCharsets.US_ASCII).strip();
            if (password.isEmpty() || !password.matches("[A-Za-z0-9_-]+")) {
                throw new IOException(file + " does not hold a password of the embedded Redis; delete it to make a new one");
            }
            return password;
        }
        byte[] random = new byte[32];
        new SecureRandom().nextBytes(random);
        String password = Base64.getUrlEncoder().withoutPadding().encodeToString(random);
        writeOwnerOnly(file, password + "\n");
        return password;
    }

    /** Creates {@code file} with permissions 0600 from the start (it never exists with wider ones) and writes it. */
    private static void writeOwnerOnly(Path file, String text) throws IOException {
        try (SeekableByteChannel channel = Files.newByteChannel(file,
                Set.of(StandardOpenOption.CREATE_NEW, StandardOpenOption.WRITE), PosixFilePermissions.asFileAttribute(OWNER_ONLY_FILE))) {
            ByteBuffer bytes = ByteBuffer.wrap(text.getBytes(StandardCharsets.UTF_8));
            while (bytes.hasRemaining()) {
                channel.write(bytes);
            }
        }
    }

    /** A value in redis.conf, in double quotes (a path may hold spaces). */
    private static String quoted(String value) {
        return "\"" + value.replace("\\", "\\\\").replace("\"", "\\\"") + "\"";
    }
}
