package io.jobqueue.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.IdentityHashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.WeakHashMap;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.JobStates;
import io.jobqueue.redis.JobScripts.Hold;
import io.jobqueue.redis.JobScripts.Move;
import io.jobqueue.redis.JobScripts.NewJob;
import io.jobqueue.redis.JobScripts.Orphan;
import io.jobqueue.redis.JobScripts.Retry;
import io.jobqueue.redis.JobScripts.Start;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.data.redis.connection.RedisConnection;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * What happens to a job: one method per transition, each one atomic step in Redis (a Lua script in
 * {@code src/main/resources/lua}, called by {@link JobScripts}, or BLMOVE). What a job looks like after each one is
 * decided by {@link JobStates}.
 * Jobs come in through {@link JobIntake}; what is done to them by hand (retry, clear) and by the orphan sweep is
 * {@link JobLists}'s.
 * <pre>
 *   take               queued     -> reserved     takeJobs.lua, or BLMOVE when the queue is empty
 *   reserve            (claims the taken jobs: a copy of a job held elsewhere is dropped)   reserveJobs.lua
 *   start              reserved   -> processing   startJobs.lua        (publishes 'processing')
 *   moveToCompleted    processing -> completed    moveToFinished.lua
 *   moveToFailed       processing -> failed       moveToFinished.lua
 *   moveToDelayed      processing -> delayed      moveToDelayed.lua    (a retry after a backoff)
 *   promoteDelayed     delayed    -> queued       promoteDelayed.lua
 *   releaseReserved    reserved   -> queued       releaseReserved.lua  (never started: the worker stops, or is stuck)
 *   requeue            processing -> queued       requeue.lua          ('stalled' from a reaper; handed back at shutdown)
 *   failStalled        processing -> failed       moveToFinished.lua   (stalled too often; publishes 'failed')
 * </pre>
 * Only the run that holds a job (its token, {@link Job#run()}) may move it, and every script finds a move it already
 * made (a retry whose reply was lost) and reports it done: each transition is safe to run again.
 * <p>
 * The transitions that every worker thread calls (take, reserve, start, finish) are group-committed by a
 * {@link Batcher}: one script run serves every call that arrived while the previous run was in flight. Starting and
 * finishing return futures, so that a worker goes on while the move is in flight.
 */
public final class JobStore extends ServiceSupport {

    /** How long the record of a job waiting to run (reserved, or queued again) is kept without a change. */
    static final long WAITING_RECORD_TTL_MS = Duration.ofDays(7).toMillis();

    /** The reservations of one worker thread: its id, and its jobs' holds. */
    private record Reservation(String workerId, List<Hold> holds) {
    }

    /** The outcome of a reservation: a flag per job, or that the process is no longer registered. */
    public record Reserved(boolean registered, List<Boolean> mine) {
    }

    private final StringRedisTemplate redis;
    private final StringRedisTemplate blockingRedis;
    private final JobScripts scripts;
    private final RedisKeys keys;
    private final Retention retention;
    /** Redis client ids of the connections on which worker threads block in BLMOVE now, by worker id. */
    private final Map<String, Long> blockingTakes = new ConcurrentHashMap<>();
    private final Map<Object, Long> clientIds = new WeakHashMap<>();
    private final Batcher<JobScripts.Take, List<byte[]>> taker;
    private final Batcher<Reservation, Reserved> reserver;
    private final Batcher<Start, Long> starter;
    private final Batcher<Move, Boolean> completer;
    private final Batcher<Move, Boolean> failer;
    private final Batcher<Move, Boolean> delayer;

    /** How long finished jobs are kept: a count and an age per list (-1: no limit; a count of 0 keeps none). */
    public record Retention(long completedCount, long completedAgeMs, long failedCount, long failedAgeMs) {
    }

    /**
     * @param blockingRedis the template for blocking takes: its read timeout is longer than the longest block, so that a
     *                      connection that died silently is noticed instead of waited on for ever
     */
    public JobStore(StringRedisTemplate redis, StringRedisTemplate blockingRedis, RedisKeys keys, Retention retention,
                    long callTimeoutMs) {
        this.redis = redis;
        this.blockingRedis = blockingRedis;
        this.scripts = new JobScripts(redis, keys);
        this.keys = keys;
        this.retention = retention;
        this.taker = groupCommit("take", callTimeoutMs, scripts::takeJobs);
        this.reserver = groupCommit("reserve", callTimeoutMs, this::reserveAll);
        this.starter = groupCommit("start", callTimeoutMs, scripts::startJobs);
        this.completer = groupCommit("complete", callTimeoutMs, moves -> scripts.moveToFinished(keys.completed(),
                JobStates.COMPLETED, retention.completedCount(), retention.completedAgeMs(), moves));
        this.failer = groupCommit("fail", callTimeoutMs, moves -> scripts.moveToFinished(keys.failed(),
                JobStates.FAILED, retention.failedCount(), retention.failedAgeMs(), moves));
        this.delayer = groupCommit("delay", callTimeoutMs, scripts::moveToDelayed);
    }

    static <I, R> Batcher<I, R> groupCommit(String name, long callTimeoutMs, Function<List<I>, List<R>> script) {
        return new Batcher<>(name, 1000, callTimeoutMs, script);
    }

    public RedisKeys keys() {
        return keys;
    }


    // ---- a worker's life with a job

    /**
     * queued -> reserved, for up to {@code max} jobs: as many as are waiting, in one step, or else the first one to
     * arrive within {@code wait} (BLMOVE). The values are moved byte for byte into the worker's reserved list and
     * returned in order; {@link #reserve} claims them next. Takes are group-committed: the worker threads that ask at
     * the same time share one script run, so that many threads cost Redis no more round trips than a few. A take
     * under a fence that {@link #recover} has moved since takes nothing.
     *
     * @throws WorkerTakenForDead when a reaper buried the worker's process (its fence is gone): it takes nothing
     */
    public List<byte[]> take(String workerId, long fence, int max, Duration wait) {
        List<byte[]> taken = taker.call(new JobScripts.Take(workerId, fence, max));
        if (taken == null) {
            throw new WorkerTakenForDead(workerId);
        }
        if (!taken.isEmpty()) {
            return taken;
        }
        byte[] one = blockingRedis.execute((RedisCallback<byte[]>) connection -> {
            blockingTakes.put(workerId, clientId(connection));
            return (byte[]) connection.execute("BLMOVE", bytes(keys.queued()), bytes(keys.reserved(workerId)),
                    bytes("RIGHT"), bytes("RIGHT"), bytes(String.valueOf(Math.max(0.01, wait.toMillis() / 1000.0))));
        });
        blockingTakes.remove(workerId);
        return one == null ? List.of() : List.of(one);
    }

    /** Redis's id for a blocking connection, asked once per connection (the pool keeps connections open). */
    private Long clientId(RedisConnection connection) {
        Object jedis = connection.getNativeConnection();
        synchronized (clientIds) {
            return clientIds.computeIfAbsent(jedis, ignored -> (Long) connection.execute("CLIENT", bytes("ID")));
        }
    }

    /**
     * After a take that failed: a blocking take whose connection died without a word may still be waiting in Redis,
     * and would move the next job into the worker's reserved list with nobody to read the reply. Its client is closed
     * (Redis then drops the wait), and the worker's fence moves so that a scripted take still on its way takes nothing.
     * Returns the fence value to take under from now on, and what the reserved list holds: the jobs the failed take did
     * move (and any earlier ones this worker has not started).
     *
     * @throws WorkerTakenForDead when the worker's process is not registered: it moves nothing then
     */
    public Recovered recover(String workerId) {
        Long abandoned = blockingTakes.remove(workerId);
        if (abandoned != null) {
            try {
                redis.execute((RedisCallback<Object>) connection ->
                        connection.execute("CLIENT", bytes("KILL"), bytes("ID"), bytes(String.valueOf(abandoned))));
            } catch (RuntimeException alreadyGone) {
                // the connection is closed already, or CLIENT KILL is not allowed: Redis drops the wait itself once its
                // keepalive finds the connection dead, and a job moved meanwhile waits in the list for the next recovery
            }
        }
        List<byte[]> reply = scripts.recoverReserved(workerId, processOf(workerId));
        long fence = Long.parseLong(new String(reply.get(0), java.nio.charset.StandardCharsets.US_ASCII));
        if (fence < 0) {
            throw new WorkerTakenForDead(workerId);
        }
        return new Recovered(fence, reply.subList(1, reply.size()));
    }

    /** What a worker's reserved list held when it recovered, and the fence it takes under from now on. */
    public record Recovered(long fence, List<byte[]> values) {
    }

    /** What a worker's reserved list holds, in order. */
    public List<byte[]> reservedValues(String workerId) {
        byte[] key = bytes(keys.reserved(workerId));
        List<byte[]> values = redis.execute((RedisCallback<List<byte[]>>) connection -> connection.listCommands().lRange(key, 0, -1));
        return values == null ? List.of() : values;
    }

    /**
     * Claims jobs a worker has just taken, before it starts any (each {@link Job#run()} is the token of its hold). A
     * job marked false is a copy of a job that is already queued, running, waiting for a retry or finished (another
     * client pushed it twice): the worker drops it unrun ({@link #drop}). Safe to call again with the same jobs.
     *
     * @param again whether the jobs were read from the worker's list again after a failed take ({@link #recover}):
     *              then a job this worker reserved earlier and never started is claimed anew; otherwise such a hold
     *              means the value is a copy of a job the worker runs
     */
    public Reserved reserve(String workerId, List<Job> jobs, boolean again) {
        List<Hold> holds = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            holds.add(new Hold(job.id(), job.run(), JobStates.rev(job), again));
        }
        return reserver.call(new Reservation(workerId, holds));
    }

    private List<Reserved> reserveAll(List<Reservation> reservations) {
        // each worker reserves as the process it took its jobs as (one normally: all the threads of this process)
        Map<String, List<Reservation>> byProcess = new LinkedHashMap<>();
        for (Reservation reservation : reservations) {
            byProcess.computeIfAbsent(processOf(reservation.workerId()), process -> new ArrayList<>()).add(reservation);
        }
        Map<Reservation, Reserved> outcomes = new IdentityHashMap<>();
        byProcess.forEach((process, group) -> {
            List<Hold> holds = new ArrayList<>();
            List<String> workers = new ArrayList<>();
            for (Reservation reservation : group) {
                holds.addAll(reservation.holds());
                reservation.holds().forEach(hold -> workers.add(reservation.workerId()));
            }
            List<Long> outcome = scripts.reserveJobs(process, holds, workers);
            boolean registered = outcome.isEmpty() || outcome.get(0) != -1L;
            int from = 0;
            for (Reservation reservation : group) {
                List<Boolean> mine = new ArrayList<>(reservation.holds().size());
                for (int i = 0; i < reservation.holds().size(); i++) {
                    mine.add(registered && outcome.get(from + i) == 1L);
                }
                outcomes.put(reservation, new Reserved(registered, mine));
                from += reservation.holds().size();
            }
        });
        List<Reserved> results = new ArrayList<>(reservations.size());
        for (Reservation reservation : reservations) {
            results.add(outcomes.get(reservation));
        }
        return results;
    }

    private static String processOf(String workerId) {
        return workerId.substring(0, workerId.lastIndexOf('-'));
    }

    /**
     * reserved -> processing, as the worker starts the job, announced by its 'processing' event in the same step:
     * completes with the job as started (its stored text is now the 'processing' JSON), or with null when the job is no
     * longer this worker's (its process was taken for dead and the job went back to the queue). A value that is not a
     * job is started as the record that says so.
     */
    public CompletableFuture<Job> start(String workerId, byte[] taken, Job started) {
        boolean invalid = started.invalidReason() != null;
        CompletableFuture<Long> outcome = starter.submit(new Start(invalid ? "invalid" : "start", keys.reserved(workerId),
                taken, utf8(started.json()), started.id(), started.run(), workerId,
                utf8(JobEvent.of(started, System.currentTimeMillis()).json())));
        Job asStored = started.asStored();
        return outcome.thenApply(result -> result == 1L ? asStored : null);
    }

    /** Removes a copy of a job held elsewhere from the worker's reserved list, unrun (see {@link #reserve}). */
    public CompletableFuture<Boolean> drop(String workerId, byte[] taken) {
        return starter.submit(new Start("drop", keys.reserved(workerId), taken, NONE, "", "", workerId, NONE))
                .thenApply(result -> result == 2L);
    }

    /**
     * A move of a held job out of processing, worked out by the worker that ran it: the job after the move, the event
     * that announces it, and the script arguments, all made on the worker's thread. {@link #submit} only hands it to
     * its group commit, so the commit's one thread sends and hands back, and the worker route's continuation (which runs
     * on that thread) finds everything made.
     */
    public static final class Finish {
        private final Batcher<Move, Boolean> commit;
        private final Move move;
        private final Job after;
        private final JobEvent.Ready event;

        private Finish(Batcher<Move, Boolean> commit, Move move, Job after) {
            this.commit = commit;
            this.move = move;
            this.after = after;
            this.event = new JobEvent.Ready(after, JobEvent.of(after, System.currentTimeMillis()).json());
        }

        /** The job as it will stand after the move. */
        public Job after() {
            return after;
        }

        /** The event that announces the move ('completed', 'retrying' or 'failed'). */
        public JobEvent.Ready event() {
            return event;
        }

        /** Makes the move: completes with the job as moved, or with null when it is no longer this run's. */
        public CompletableFuture<Job> submit() {
            return commit.submit(move).thenApply(done -> done ? after : null);
        }
    }

    /** processing -> completed, with the attempt's result. */
    public Finish finishCompleted(Attempt attempt) {
        return finish(completer, attempt.job(), JobStates.completed(attempt), 0);
    }

    /** processing -> failed, with the attempt's error added to the job's errors. */
    public Finish finishFailed(Attempt attempt) {
        return finish(failer, attempt.job(), JobStates.failed(attempt), 0);
    }

    /**
     * processing -> delayed: the attempt failed and is retried after {@code backoffMs} (by Redis's clock). The job waits
     * with status 'retrying', its error and its {@code retryAt}.
     */
    public Finish finishDelayed(Attempt attempt, long backoffMs) {
        return finish(delayer, attempt.job(), JobStates.retrying(attempt, System.currentTimeMillis() + backoffMs), backoffMs);
    }

    private static Finish finish(Batcher<Move, Boolean> commit, Job held, Job after, long backoffMs) {
        return new Finish(commit, move(held, after, "", backoffMs), after.asStored());
    }

    /** {@link #finishCompleted}, made now: completes with the job as completed, or null when it is no longer this run's. */
    public CompletableFuture<Job> moveToCompleted(Attempt attempt) {
        return finishCompleted(attempt).submit();
    }

    /** {@link #finishFailed}, made now. */
    public CompletableFuture<Job> moveToFailed(Attempt attempt) {
        return finishFailed(attempt).submit();
    }

    /** {@link #finishDelayed}, made now. */
    public CompletableFuture<Job> moveToDelayed(Attempt attempt, long backoffMs) {
        return finishDelayed(attempt, backoffMs).submit();
    }

    private static Move move(Job held, Job after, String event, long backoffMs) {
        return new Move(held.id(), held.run(), utf8(held.stored()), utf8(after.json()), utf8(event), backoffMs,
                JobStates.rev(after));
    }

    /**
     * reserved -> queued, at the front of the line, for jobs a worker took but will not start (values as taken, in
     * order): they go back byte for byte, as if never taken. Returns how many went back.
     */
    public long releaseReserved(String workerId, List<byte[]> taken) {
        List<String> ids = new ArrayList<>(taken.size());
        Instant now = Instant.now();
        for (byte[] value : taken) {
            Job job = Job.fromTaken(value, Long.MAX_VALUE, now);
            ids.add(job.invalidReason() == null ? job.id() : "");
        }
        return scripts.releaseReserved(keys.reserved(workerId), processOf(workerId), taken, ids);
    }

    // ---- what others do to a worker's jobs

    /**
     * processing -> queued, at the front of the line, announced by {@code event} ('stalled' for a job a reaper
     * claimed from a dead process; 'queued' for a job its worker hands back at shutdown). {@code held} is the job as
     * it was running, held under its run token. Returns whether it moved.
     */
    public boolean requeue(Job held, Job queued, JobEvent event) {
        return scripts.requeue(List.of(move(held, queued, event.json(), 0))).get(0);
    }

    /** processing -> failed, for a claimed job that stalled more often than allowed; publishes 'failed'. */
    public Job failStalled(Job held, Job failed) {
        Move move = move(held, failed, JobEvent.of(failed, System.currentTimeMillis()).json(), 0);
        return failer.call(move) ? failed.asStored() : null;
    }

    /** delayed -> queued, for up to {@code max} jobs that are due. Returns how many moved. */
    public long promoteDelayed(int max) {
        return scripts.promoteDelayed(max);
    }

    public Retention retention() {
        return retention;
    }

    private static final byte[] NONE = new byte[0];

    private static byte[] bytes(String text) {
        return text.getBytes(java.nio.charset.StandardCharsets.UTF_8);
    }

    private static byte[] utf8(String text) {
        return text.isEmpty() ? NONE : bytes(text);
    }

    @Override
    protected void doStart() {
        ServiceHelper.startService(taker, reserver, starter, completer, failer, delayer);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(taker, reserver, starter, completer, failer, delayer);
    }
}
