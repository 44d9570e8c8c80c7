package io.jobqueue.redis;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.io.OutputStream;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.attribute.PosixFilePermission;
import java.nio.file.attribute.PosixFilePermissions;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;
import redis.clients.jedis.exceptions.JedisDataException;

/** The embedded Redis itself (a real redis-server): its password, its files, and what it refuses to share a port with. */
class EmbeddedRedisTest {

    private static final Set<PosixFilePermission> GROUP_OR_OTHERS = Set.of(
            PosixFilePermission.GROUP_READ, PosixFilePermission.GROUP_WRITE, PosixFilePermission.GROUP_EXECUTE,
            PosixFilePermission.OTHERS_READ, PosixFilePermission.OTHERS_WRITE, PosixFilePermission.OTHERS_EXECUTE);

    @TempDir
    Path work;

    private final int port = TestRedis.freePort();
    private final List<EmbeddedRedis> started = new ArrayList<>();

    @AfterEach
    void stopAll() {
        started.forEach(EmbeddedRedis::stop);
    }

    @Test
    void itAsksForThePasswordKeptInItsDirectoryAndEverythingThereIsTheOwnersOnly() throws Exception {
        EmbeddedRedis redis = start(port, work.resolve("data/redis"));
        Path directory = work.resolve("data/redis");
        String password = Files.readString(directory.resolve("password")).strip();
        assertTrue(password.matches("[A-Za-z0-9_-]{43}"), "32 random bytes, base64url: " + password);
        assertEquals(password, redis.url().password());
        assertFalse(redis.url().redacted().contains(password));

        try (Jedis anyone = new Jedis(EmbeddedRedis.HOST, port)) {
            JedisDataException refused = assertThrows(JedisDataException.class, anyone::ping);
            assertTrue(refused.getMessage().startsWith("NOAUTH"), refused.getMessage());
        }
        long redisPid;
        try (Jedis owner = client(redis)) {
            owner.set("written", "to the append-only file");
            redisPid = Long.parseLong(owner.info("server").lines().filter(line -> line.startsWith("process_id:"))
                    .findFirst().orElseThrow().substring("process_id:".length()).strip());
        }

        assertEquals("rwx------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory)));
        assertEquals("rw-------", PosixFilePermissions.toString(Files.getPosixFilePermissions(directory.resolve("password"))));
        List<Path> files;
        try (var listing = Files.list(directory)) {
            files = listing.toList();
        }
        assertTrue(files.contains(directory.resolve("appendonly.aof")), files.toString());
        for (Path file : files) {
            Set<PosixFilePermission> permissions = Files.getPosixFilePermissions(file);
            assertTrue(permissions.stream().noneMatch(GROUP_OR_OTHERS::contains),
                    file + " is " + PosixFilePermissions.toString(permissions));
        }

        Path proc = Path.of("/proc", String.valueOf(redisPid));
        if (Files.isDirectory(proc)) {
            String commandLine = Files.readString(proc.resolve("cmdline"), StandardCharsets.UTF_8);
            assertFalse(commandLine.contains(password), "the password is not on redis-server's command line: " + commandLine);
            // Ctrl-C signals the terminal's foreground process group: Redis must not be in the JVM's
            assertNotEquals(processGroup(Path.of("/proc/self")), processGroup(proc), "redis-server has a process group of its own");
        }
    }

    @Test
    void anotherProcessWithTheSameDirectorySharesItAndTheOneThatStartedItStopsIt() throws Exception {
        Path directory = work.resolve("redis");
        EmbeddedRedis first = start(port, directory);
        EmbeddedRedis second = start(port, directory);
        assertEquals(first.url(), second.url(), "same password, read from the directory");
        try (Jedis client = client(second)) {
            client.set("shared", "yes");
        }

        second.stop();
        try (Jedis client = client(first)) {
            assertEquals("yes", client.get("shared"), "the one that only shared it leaves it running");
        }
        first.stop();
        try (Jedis client = new Jedis(EmbeddedRedis.HOST, port)) {
            assertThrows(JedisConnectionException.class, client::ping);
        }
    }

    @Test
    void aRedisThatAsksForNoPasswordIsNotUsed() throws Exception {
        try (PrivateRedis foreign = new PrivateRedis(work.resolve("foreign"))) {
            Exception refused = assertThrows(Exception.class, () -> start(foreign.port, work.resolve("redis")));
            assertTrue(refused.getMessage().contains("127.0.0.1:" + foreign.port + " is taken by a Redis that asks for no password"),
                    refused.getMessage());
            try (Jedis client = foreign.client()) {
                assertEquals(0, client.dbSize(), "nothing written to it");
            }
        }
    }

    @Test
    void aRedisThatRefusesOurPasswordIsNotUsed() throws Exception {
        start(port, work.resolve("one"));
        Exception refused = assertThrows(Exception.class, () -> start(port, work.resolve("two")));
        assertTrue(refused.getMessage().contains("127.0.0.1:" + port + " is taken by a Redis that does not accept the password in "
                + work.resolve("two").resolve("password")), refused.getMessage());
    }

    @Test
    void aListenerThatIsNotRedisIsNotUsed() throws Exception {
        try (ServerSocket web = new ServerSocket(0, 10, InetAddress.getByName(EmbeddedRedis.HOST))) {
            Thread server = new Thread(() -> {
                while (!web.isClosed()) {
                    try (Socket client = web.accept(); OutputStream out = client.getOutputStream()) {
                        out.write("HTTP/1.1 400 Bad Request\r\nContent-Length: 0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
                    } catch (IOException closed) {
                        return;
                    }
                }
            });
            server.setDaemon(true);
            server.start();

            Exception refused = assertThrows(Exception.class, () -> start(web.getLocalPort(), work.resolve("redis")));
            assertTrue(refused.getMessage().contains("127.0.0.1:" + web.getLocalPort() + " is taken by a program that does not "
                    + "answer as Redis does"), refused.getMessage());
        }
    }

    private EmbeddedRedis start(int port, Path directory) throws IOException {
        EmbeddedRedis redis = EmbeddedRedis.prepare(port, directory);
        redis.start();
        started.add(redis);
        return redis;
    }

    private static Jedis client(EmbeddedRedis redis) {
        Jedis jedis = new Jedis(redis.url().host(), redis.url().port());
        jedis.auth(redis.url().password());
        return jedis;
    }

    /** Field 5 of /proc/<pid>/stat (after the command name in parentheses, which may hold spaces). */
    private static String processGroup(Path proc) throws IOException {
        String stat = Files.readString(proc.resolve("stat"));
        return stat.substring(stat.lastIndexOf(')') + 2).split(" ")[2];
    }
}
