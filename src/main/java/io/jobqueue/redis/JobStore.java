package io.jobqueue.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobJson;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.data.redis.connection.RedisListCommands.Direction;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * What happens to a job: one method per transition, each one atomic step in Redis (a Lua script in
 * {@code src/main/resources/lua}, or a single command). Lists hold jobs by value, so every script finds the job it
 * moves by its exact stored text ({@link Job#stored()}) and reports whether it was still there.
 * <pre>
 *   enqueue          (new)      -> queued       enqueue.lua, publishes 'queued'
 *   take             queued     -> processing   takeJobs.lua or BLMOVE, then activateJobs.lua (rewrite + lease)
 *   moveToCompleted  processing -> completed    moveToFinished.lua
 *   moveToFailed     processing -> failed       moveToFinished.lua
 *   release          processing -> queued       requeue.lua (a worker gives back jobs it has not started)
 * </pre>
 * Calls that many threads make at once (enqueue, finishing) are group-committed by a {@link Batcher}: one script
 * run serves every call that arrived while the previous run was in flight.
 */
public final class JobStore extends ServiceSupport {

    private static final RedisScript<Long> ENQUEUE = LuaScript.returningNumber("enqueue");
    private static final RedisScript<List<Object>> TAKE_JOBS = LuaScript.returningList("takeJobs");
    private static final RedisScript<List<Object>> ACTIVATE_JOBS = LuaScript.returningList("activateJobs");
    private static final RedisScript<List<Object>> MOVE_TO_FINISHED = LuaScript.returningList("moveToFinished");
    private static final RedisScript<List<Object>> REQUEUE = LuaScript.returningList("requeue");

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final long leaseDurationMs;
    private final Batcher<Job, Long> enqueuer;
    private final Batcher<Move, Boolean> completer;
    private final Batcher<Move, Boolean> failer;

    /** A job's stored text and the text that replaces it in the destination. */
    private record Move(String from, String to) {
    }

    public JobStore(StringRedisTemplate redis, RedisKeys keys, long leaseDurationMs, long callTimeoutMs) {
        this.redis = redis;
        this.keys = keys;
        this.leaseDurationMs = leaseDurationMs;
        this.enqueuer = new Batcher<>("enqueue", 1000, callTimeoutMs, this::runEnqueue);
        this.completer = new Batcher<>("complete", 1000, callTimeoutMs, moves -> runMoveToFinished(keys.completed(), moves));
        this.failer = new Batcher<>("fail", 1000, callTimeoutMs, moves -> runMoveToFinished(keys.failed(), moves));
    }

    public RedisKeys keys() {
        return keys;
    }

    /** (new) -> queued: LPUSH the job and publish its 'queued' event in one step. */
    public Job enqueue(Job job) {
        enqueuer.call(job);
        return job.asStored();
    }

    /**
     * queued -> processing, for up to {@code max} jobs: as many as are waiting, in one step, or else the first one to
     * arrive within {@code wait} (BLMOVE). Each is then rewritten in place as 'processing' by {@code workerId} and
     * leased. A value that is not a job comes back too, as a job marked {@code invalid}, so that it is failed through
     * the same route as any other job.
     */
    public List<Job> take(String workerId, int max, Duration wait) {
        List<String> taken = stringsOf(redis.execute(TAKE_JOBS, List.of(keys.queued(), keys.processing()), String.valueOf(max)));
        if (taken.isEmpty()) {
            String one = redis.opsForList().move(keys.queued(), Direction.RIGHT, keys.processing(), Direction.LEFT, wait);
            if (one == null) {
                return List.of();
            }
            taken = List.of(one);
        }
        return activate(taken, workerId);
    }

    private List<Job> activate(List<String> taken, String workerId) {
        Instant now = Instant.now();
        List<Job> active = new ArrayList<>(taken.size());
        List<String> args = new ArrayList<>(1 + 2 * taken.size());
        args.add(String.valueOf(now.toEpochMilli() + leaseDurationMs));
        for (String value : taken) {
            Job job = Job.activate(value, workerId, now);
            active.add(job);
            args.add(value);
            args.add(job.json());
        }
        List<Object> activated = redis.execute(ACTIVATE_JOBS, List.of(keys.processing(), keys.leases()), args.toArray());
        List<Job> result = new ArrayList<>(active.size());
        for (int i = 0; i < active.size(); i++) {
            if (isOne(activated.get(i))) {
                result.add(active.get(i).asStored());
            }
        }
        return result;
    }

    /** processing -> completed, with the attempt's result. Null when the lease was lost (the job is no longer ours). */
    public Job moveToCompleted(Attempt attempt) {
        Job completed = finish(attempt, Job.COMPLETED).with("result", attempt.result());
        return completer.call(new Move(attempt.job().stored(), completed.json())) ? completed.asStored() : null;
    }

    /** processing -> failed, with the attempt's error. Null when the lease was lost (the job is no longer ours). */
    public Job moveToFailed(Attempt attempt) {
        Job failed = finish(attempt, Job.FAILED).with("error", attempt.error());
        return failer.call(new Move(attempt.job().stored(), failed.json())) ? failed.asStored() : null;
    }

    /**
     * processing -> queued, at the front of the line, for jobs a worker took but will not start (it is stopping).
     * They go back in their original order, as if never taken.
     */
    public void release(List<Job> jobs) {
        List<String> args = new ArrayList<>(1 + 3 * jobs.size());
        args.add(keys.eventsChannel());
        for (int i = jobs.size() - 1; i >= 0; i--) {
            Job job = jobs.get(i);
            args.add(job.stored());
            args.add(job.with("status", Job.QUEUED).without("workerId", "startedAt").json());
            args.add("");
        }
        redis.execute(REQUEUE, List.of(keys.processing(), keys.leases(), keys.queued()), args.toArray());
    }

    private static Job finish(Attempt attempt, String status) {
        Job job = attempt.job();
        return job.with("status", status)
                .with("attempts", job.attempts() + 1)
                .with("finishedAt", JobJson.timestamp(Instant.now()));
    }

    private List<Long> runEnqueue(List<Job> jobs) {
        Instant now = Instant.now();
        Object[] args = new Object[1 + 2 * jobs.size()];
        args[0] = keys.eventsChannel();
        int i = 1;
        for (Job job : jobs) {
            args[i++] = job.json();
            args[i++] = JobEvent.of(job, now).json();
        }
        Long length = redis.execute(ENQUEUE, List.of(keys.queued()), args);
        return Collections.nCopies(jobs.size(), length);
    }

    private List<Boolean> runMoveToFinished(String destination, List<Move> moves) {
        Object[] args = new Object[2 * moves.size()];
        int i = 0;
        for (Move move : moves) {
            args[i++] = move.from();
            args[i++] = move.to();
        }
        List<Object> moved = redis.execute(MOVE_TO_FINISHED, List.of(keys.processing(), keys.leases(), destination), args);
        List<Boolean> result = new ArrayList<>(moves.size());
        for (Object flag : moved) {
            result.add(isOne(flag));
        }
        return result;
    }

    private static boolean isOne(Object flag) {
        return flag instanceof Long number && number == 1L;
    }

    private static List<String> stringsOf(List<Object> values) {
        List<String> strings = new ArrayList<>(values.size());
        for (Object value : values) {
            strings.add((String) value);
        }
        return strings;
    }

    @Override
    protected void doStart() {
        ServiceHelper.startService(enqueuer, completer, failer);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(enqueuer, completer, failer);
    }
}
