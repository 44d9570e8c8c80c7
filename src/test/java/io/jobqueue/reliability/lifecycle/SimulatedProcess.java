package io.jobqueue.reliability.lifecycle;

import java.lang.reflect.InvocationTargetException;
import java.lang.reflect.Method;
import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.Map;

import io.jobqueue.duties.Reaper;
import io.jobqueue.job.Job;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.RedisKeys;
import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.worker.ReservedJob;
import io.jobqueue.worker.WorkerIdentity;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.connection.RedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * One worker process as the state machine drives it: its identity (a new one after it learns it was taken for dead),
 * ONE JobStore shared by its worker threads (as in the application: same group commits), its Reaper duty, and what
 * each worker thread has in memory. Its in-memory state is exactly what JobQueueConsumer and Heartbeat keep, so that a
 * "zombie" (a process that was silent, then goes on) acts on what it believed, as a real one would. A crash drops all
 * of it.
 */
final class SimulatedProcess implements AutoCloseable {

    private static final Method REAPER_PASS;

    static {
        try {
            REAPER_PASS = Reaper.class.getDeclaredMethod("runOnce");
            REAPER_PASS.setAccessible(true);
        } catch (NoSuchMethodException e) {
            throw new ExceptionInInitializerError(e);
        }
    }

    /** P1, P2, ...; a new identity adds a prime: P1'. */
    final String name;
    final WorkerIdentity identity = new WorkerIdentity();
    final JobStore store;
    /** What the Reaper's claims go through: it can lose the reply of a call that Redis ran (a timeout after the fact). */
    private final ReplyLosingTemplate reaperConnection;
    final Reaper reaper;
    final List<Slot> slots = new ArrayList<>();
    /** What the process's Heartbeat believes (its {@code registered} flag). */
    boolean believesRegistered;
    /** Crashed or stopped: it does nothing more. */
    boolean gone;
    /**
     * The Reaper's own flag, mirrored: its last claim call failed, so its next pass claims its own earlier claims again
     * (the model needs it to know which jobs that pass must give back).
     */
    boolean claimMayHaveBeenLost;
    private int lives = 1;

    SimulatedProcess(String name, StringRedisTemplate redis, RedisConnectionFactory connections, RedisKeys keys, int threads,
                     int maxStalls, long confirmMs, long liveTimeoutMs, long relookMs) {
        this.name = name;
        this.store = new JobStore(redis, redis, keys, new JobStore.Retention(-1, -1, -1, -1), 5_000);
        store.start();
        this.reaperConnection = new ReplyLosingTemplate(connections);
        this.reaper = new Reaper(new WorkerRegistry(reaperConnection, keys, liveTimeoutMs, relookMs), store, identity, maxStalls,
                1_000, confirmMs);
        for (int n = 1; n <= threads; n++) {
            slots.add(new Slot(n));
        }
    }

    String id() {
        return identity.processId();
    }

    /** The name of the current life: P1, then P1' after a new identity. */
    String label() {
        return name + "'".repeat(lives - 1);
    }

    /** As Heartbeat.register: the description names the threads, whose reserved lists a reaper empties. */
    void register(WorkerRegistry registry) {
        registry.register(id(), Map.of("threads", String.valueOf(slots.size())));
        believesRegistered = true;
    }

    /**
     * As Heartbeat.takeNewIdentity: a new process id, and (the consumer's onNewIdentity) every slot forgets the jobs it
     * was waiting to start, which the reaper that took the old identity for dead has given back already.
     */
    void renewIdentity() {
        identity.renew();
        lives++;
        believesRegistered = false;
        slots.forEach(slot -> slot.waiting.clear());
    }

    /** One pass of the real Reaper duty, in this process (runOnce is what its timer calls). */
    void reaperPass() {
        try {
            REAPER_PASS.invoke(reaper);
        } catch (InvocationTargetException e) {
            if (e.getCause() instanceof RuntimeException runtime) {
                throw runtime;
            }
            throw new IllegalStateException(e.getCause());
        } catch (IllegalAccessException e) {
            throw new IllegalStateException(e);
        }
    }

    /** One pass of the real Reaper whose claim runs in Redis but whose reply is lost: the pass fails, as on a timeout. */
    void reaperPassLosingTheClaimReply() {
        reaperConnection.loseNextScriptReply = true;
        try {
            reaperPass();
            throw new IllegalStateException("the reaper pass did not call Redis");
        } catch (LostReply expected) {
            // what the Reaper's timer would log and forget; the Reaper itself now knows its claim may have been made
        } finally {
            reaperConnection.loseNextScriptReply = false;
        }
    }

    @Override
    public void close() {
        if (store.isStarted()) {
            store.stop();
        }
    }

    /** A reply that Redis sent and the client never read: the call ran, and the caller sees a timeout. */
    static final class LostReply extends QueryTimeoutException {
        LostReply() {
            super("the reply was lost (simulated): Redis ran the call");
        }
    }

    /** A template whose next script call runs in Redis and then fails as if its reply had been lost. */
    private static final class ReplyLosingTemplate extends StringRedisTemplate {
        boolean loseNextScriptReply;

        ReplyLosingTemplate(RedisConnectionFactory connections) {
            super(connections);
        }

        @Override
        public <T> T execute(RedisScript<T> script, List<String> keys, Object... args) {
            T reply = super.execute(script, keys, args);
            if (loseNextScriptReply) {
                loseNextScriptReply = false;
                throw new LostReply();
            }
            return reply;
        }
    }

    /** What one worker thread holds in memory (JobQueueConsumer's WorkerSlot and its loop's local state). */
    final class Slot {
        final int number;
        /** The worker id of its last take: its reserve and start use it, even after the process took a new identity. */
        String workerId;
        /** The take fence it takes under (set by its last recovery). */
        long fence;
        /**
         * Set at start (as WorkerSlot) and after a take whose reply was lost: the next take moves the fence and reads
         * the reserved list instead.
         */
        boolean recover = true;
        /** Taken, not yet reserved (each with the run token it will be reserved under). */
        List<ReservedJob> unreserved = new ArrayList<>();
        /** Whether {@link #unreserved} was read from the list again by a recovery (JobStore.reserve's {@code again}). */
        boolean unreservedAgain;
        /** Reserved as this worker's, to start in order. */
        final Deque<ReservedJob> waiting = new ArrayDeque<>();
        /** Started, not yet moved on (finishing moves are asynchronous, so there may be several). */
        final List<Job> running = new ArrayList<>();
        /** Waiting for the reply of its take's BLMOVE (the queue was empty). */
        boolean blocked;

        Slot(int number) {
            this.number = number;
        }

        SimulatedProcess process() {
            return SimulatedProcess.this;
        }

        /** As the consumer's loop: a thread takes only when it has nothing taken or reserved left to start. */
        boolean idle() {
            return !blocked && unreserved.isEmpty() && waiting.isEmpty();
        }

        String label() {
            return SimulatedProcess.this.label() + "/" + number;
        }

        @Override
        public String toString() {
            return label();
        }
    }
}
