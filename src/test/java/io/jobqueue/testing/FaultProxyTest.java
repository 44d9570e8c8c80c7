package io.jobqueue.testing;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertInstanceOf;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.net.SocketTimeoutException;
import java.net.URI;
import java.time.Duration;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.function.Executable;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The proxy itself, against the real test Redis: each mode does to a Redis client what it says. */
class FaultProxyTest {

    private final String prefix = "fault-proxy-test:" + UUID.randomUUID() + ":";
    private final Set<String> keys = new LinkedHashSet<>();
    private final List<Jedis> clients = new CopyOnWriteArrayList<>(); // some are made in background threads
    private final ExecutorService background = Executors.newCachedThreadPool(runnable -> {
        Thread thread = new Thread(runnable, "fault-proxy-test");
        thread.setDaemon(true);
        return thread;
    });
    private Jedis direct;
    private FaultProxy proxy;

    @BeforeEach
    void startProxy() throws Exception {
        URI redis = URI.create(TestRedis.url());
        proxy = FaultProxy.start(redis.getHost(), redis.getPort());
        direct = TestRedis.plainClient();
    }

    @AfterEach
    void stopProxy() {
        proxy.close(); // also ends the commands a blackhole left blocked: their sockets close under them
        for (Jedis client : clients) {
            try {
                client.close();
            } catch (JedisConnectionException brokenByTheTest) {
                // closing flushes, which a reset or dropped connection refuses: nothing left to free
            }
        }
        background.shutdownNow();
        if (!keys.isEmpty()) {
            direct.del(keys.toArray(String[]::new));
        }
        direct.close();
    }

    @Test
    void forwardCarriesCommandsAndCountsThem() throws Exception {
        Jedis jedis = throughProxy(2000);
        assertEquals("PONG", jedis.ping());
        assertEquals("OK", jedis.set(key("k"), "v"));
        assertEquals("v", jedis.get(key("k")));
        assertEquals("v", direct.get(key("k")), "it really went to Redis");

        assertEquals(1, proxy.connectionsAccepted());
        assertEquals(1, proxy.connectionsOpen());
        assertTrue(proxy.bytesToTarget() > 0 && proxy.bytesToClient() > 0);
        jedis.close();
        assertTrue(Await.until(() -> proxy.connectionsOpen() == 0, Duration.ofSeconds(5)));
    }

    @Test
    void pauseDelaysBytesInBothDirectionsAndLosesNone() throws Exception {
        Jedis impatient = throughProxy(1000);
        impatient.ping(); // connected before the pause
        proxy.pause();

        long asked = System.nanoTime();
        JedisConnectionException timedOut = assertThrows(JedisConnectionException.class, () -> impatient.get(key("k")));
        assertInstanceOf(SocketTimeoutException.class, timedOut.getCause());
        assertTrue(millisSince(asked) >= 900, "no answer and no error before the socket timeout");

        // a connection opened during the pause is accepted, and its handshake and command wait with the rest
        String delayed = key("delayed");
        Future<String> set = background.submit(() -> throughProxy(10_000).set(delayed, "arrived"));
        assertThrows(TimeoutException.class, () -> set.get(1, TimeUnit.SECONDS));
        assertNull(direct.get(delayed), "held by the proxy: Redis has not seen the SET");

        proxy.forward();
        assertEquals("OK", set.get(5, TimeUnit.SECONDS), "the held request went through, and its reply came back");
        assertEquals("arrived", direct.get(delayed));
        assertNewConnectionWorks();
    }

    @Test
    void blackholeSwallowsEverythingSilentlyAndForGood() throws Exception {
        Jedis existing = throughProxy(1000);
        existing.ping();
        Jedis untouched = throughProxy(1000);
        untouched.ping();
        Future<List<String>> take = blockedTake(throughProxy(1000), key("list"));

        proxy.blackhole();
        direct.rpush(key("list"), "job-1"); // Redis serves the blocked BLPOP; the proxy drops the reply
        long dropped = System.nanoTime();

        long asked = System.nanoTime();
        JedisConnectionException timedOut = assertThrows(JedisConnectionException.class, () -> existing.get(key("k")));
        assertInstanceOf(SocketTimeoutException.class, timedOut.getCause());
        assertTrue(millisSince(asked) >= 900, "no error before the socket timeout: the flow looks alive");
        assertThrows(JedisConnectionException.class, () -> throughProxy(1000).ping(), "new connections too");

        // the bug a worker must guard against: an infinite blocking take on a dead flow never returns
        long leftOfThreeSeconds = Math.max(0, 3000 - millisSince(dropped));
        assertThrows(TimeoutException.class, () -> take.get(leftOfThreeSeconds, TimeUnit.MILLISECONDS));
        assertTrue(millisSince(dropped) >= 3000);
        assertEquals(0, direct.llen(key("list")), "Redis handed job-1 out: the reply, not the job, was lost");

        proxy.forward();
        assertThrows(JedisConnectionException.class, untouched::ping, "a dropped flow does not come back");
        assertFalse(take.isDone());
        assertNewConnectionWorks();
    }

    @Test
    void resetFailsOpenConnectionsAtOnce() throws Exception {
        Future<List<String>> take = blockedTake(throughProxy(1000), key("list"));
        Jedis idle = throughProxy(1000);
        idle.ping();

        long reset = System.nanoTime();
        proxy.reset();
        ExecutionException failed = assertThrows(ExecutionException.class, () -> take.get(1, TimeUnit.SECONDS));
        assertInstanceOf(JedisConnectionException.class, failed.getCause());
        assertTrue(messages(failed).contains("Connection reset"), "a RST, not an orderly close: " + messages(failed));
        assertFails(idle::ping, "the next command on an idle connection");
        assertTrue(millisSince(reset) < 1000, "both failed within 1 s, took " + millisSince(reset) + " ms");
        assertEquals(0, proxy.connectionsOpen());
        assertNewConnectionWorks();
    }

    @Test
    void refuseNewKeepsOpenConnectionsAndDropAllClosesThem() throws Exception {
        Jedis existing = throughProxy(1000);
        existing.ping();

        proxy.refuseNew(true);
        JedisConnectionException refused = assertFails(() -> throughProxy(1000).ping(), "a new connection");
        assertTrue(messages(refused).contains("reset") || messages(refused).contains("closed") || messages(refused).contains("Broken pipe")
                || messages(refused).contains("Unexpected end of stream"), messages(refused));
        assertEquals("PONG", existing.ping());
        proxy.refuseNew(false);
        assertNewConnectionWorks();

        proxy.dropAll();
        assertFails(existing::ping, "a connection closed in the orderly way");
        assertNewConnectionWorks();
    }

    /** A BLPOP with no timeout (Jedis then reads with no socket timeout either), once Redis has it blocked. */
    private Future<List<String>> blockedTake(Jedis jedis, String list) throws InterruptedException {
        String name = "fault-proxy-test-" + UUID.randomUUID().toString().substring(0, 8);
        jedis.clientSetname(name);
        Future<List<String>> take = background.submit(() -> jedis.blpop(0, list));
        assertTrue(Await.until(() -> direct.clientList().lines()
                .anyMatch(line -> line.contains(" name=" + name + " ") && line.contains(" flags=b ")),
                Duration.ofSeconds(5)), "BLPOP blocked in Redis");
        return take;
    }

    private JedisConnectionException assertFails(Executable command, String what) {
        long asked = System.nanoTime();
        JedisConnectionException failed = assertThrows(JedisConnectionException.class, command, what);
        assertTrue(millisSince(asked) < 1000, what + " failed in " + millisSince(asked) + " ms");
        return failed;
    }

    private void assertNewConnectionWorks() {
        Jedis fresh = throughProxy(2000);
        assertEquals("OK", fresh.set(key("fresh"), "yes"));
        assertEquals("yes", fresh.get(key("fresh")));
    }

    private Jedis throughProxy(int timeoutMs) {
        Jedis jedis = new Jedis(URI.create(proxy.url()), timeoutMs);
        clients.add(jedis);
        return jedis;
    }

    private String key(String name) {
        keys.add(prefix + name);
        return prefix + name;
    }

    private static long millisSince(long nanos) {
        return (System.nanoTime() - nanos) / 1_000_000;
    }

    private static String messages(Throwable error) {
        StringBuilder all = new StringBuilder();
        for (Throwable t = error; t != null; t = t.getCause()) {
            all.append(t).append(" / ");
            for (Throwable suppressed : t.getSuppressed()) { // how Jedis reports a failed connect
                all.append(suppressed).append(" / ");
            }
        }
        return all.toString();
    }
}
