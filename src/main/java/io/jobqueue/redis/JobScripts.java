package io.jobqueue.redis;

import java.util.ArrayList;
import java.util.Collections;
import java.util.List;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * How each transition script in {@code src/main/resources/lua} is called: its KEYS and ARGV in the order its header
 * names them, and its reply read back. The scripts that the group commits run take many jobs per call; the others one
 * step each. What a job becomes is decided by {@link JobStore}; this class only carries text to Redis and back.
 */
final class JobScripts {

    private static final RedisScript<Long> ENQUEUE = LuaScript.returningNumber("enqueue");
    private static final RedisScript<List<Object>> TAKE_JOBS = LuaScript.returningList("takeJobs");
    private static final RedisScript<List<Object>> ACTIVATE_JOBS = LuaScript.returningList("activateJobs");
    private static final RedisScript<List<Object>> MOVE_TO_FINISHED = LuaScript.returningList("moveToFinished");
    private static final RedisScript<List<Object>> MOVE_TO_DELAYED = LuaScript.returningList("moveToDelayed");
    private static final RedisScript<Long> PROMOTE_DELAYED = LuaScript.returningNumber("promoteDelayed");
    private static final RedisScript<List<Object>> REQUEUE = LuaScript.returningList("requeue");
    private static final RedisScript<List<Object>> EXTEND_LEASES = LuaScript.returningList("extendLeases");
    private static final RedisScript<List<Object>> CLAIM_STALLED = LuaScript.returningList("claimStalled");
    private static final RedisScript<List<Object>> RETRY_FAILED = LuaScript.returningList("retryFailed");

    /** A job to enqueue and its 'queued' event. */
    record NewJob(String json, String event, String id) {
    }

    /** Values just taken, as taken and as rewritten, for one caller of {@link #activateJobs}. */
    record Activation(List<String> taken, List<Job> rewritten, long nowMs) {
    }

    /** A job's stored text, the text that replaces it in the destination, and (for delayed jobs) when it is due. */
    record Move(String from, String to, long dueMs) {
    }

    /** A job's stored text, the text that goes back to the queue, its event ('' for none) and its announced id. */
    record Requeue(String from, String to, String event, String id) {
    }

    private final StringRedisTemplate redis;
    private final RedisKeys keys;

    JobScripts(StringRedisTemplate redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** The id under which a job counts as announced; '' for a value that was not a job (it never goes back to the queue). */
    static String announcedId(Job job) {
        return job.invalidReason() == null && job.id() != null ? job.id() : "";
    }

    /** enqueue.lua for many jobs; each caller gets the queue's length after the run. */
    List<Long> enqueue(List<NewJob> jobs) {
        Object[] args = new Object[1 + 3 * jobs.size()];
        args[0] = keys.eventsChannel();
        int i = 1;
        for (NewJob job : jobs) {
            args[i++] = job.json();
            args[i++] = job.event();
            args[i++] = job.id();
        }
        Long length = redis.execute(ENQUEUE, List.of(keys.queued(), keys.announced()), args);
        return Collections.nCopies(jobs.size(), length);
    }

    /** One takeJobs.lua run for every waiting take: the values, oldest first, are shared out in the order asked. */
    List<List<String>> takeJobs(List<Integer> maxes) {
        int total = 0;
        for (int max : maxes) {
            total += max;
        }
        List<String> taken = strings(redis.execute(TAKE_JOBS, List.of(keys.queued(), keys.processing()), String.valueOf(total)));
        List<List<String>> shares = new ArrayList<>(maxes.size());
        int from = 0;
        for (int max : maxes) {
            int to = Math.min(taken.size(), from + max);
            shares.add(taken.subList(from, to));
            from = to;
        }
        return shares;
    }

    /** activateJobs.lua for every waiting activation; each caller gets one flag per value it handed in. */
    List<List<Boolean>> activateJobs(List<Activation> activations, long leaseDurationMs) {
        long nowMs = activations.get(0).nowMs();
        List<String> args = new ArrayList<>();
        args.add(String.valueOf(nowMs + leaseDurationMs));
        args.add(keys.eventsChannel());
        args.add(JobJson.timestamp(nowMs));
        for (Activation activation : activations) {
            for (int i = 0; i < activation.taken().size(); i++) {
                Job job = activation.rewritten().get(i);
                args.add(activation.taken().get(i));
                args.add(job.json());
                args.add(announcedId(job));
            }
        }
        List<Boolean> activated = flags(redis.execute(ACTIVATE_JOBS,
                List.of(keys.processing(), keys.leases(), keys.announced()), args.toArray()));
        List<List<Boolean>> results = new ArrayList<>(activations.size());
        int from = 0;
        for (Activation activation : activations) {
            results.add(activated.subList(from, from + activation.taken().size()));
            from += activation.taken().size();
        }
        return results;
    }

    /** moveToFinished.lua: processing -> {@code destination} (completed or failed); true for each job moved. */
    List<Boolean> moveToFinished(String destination, List<Move> moves) {
        Object[] args = new Object[2 * moves.size()];
        int i = 0;
        for (Move move : moves) {
            args[i++] = move.from();
            args[i++] = move.to();
        }
        return flags(redis.execute(MOVE_TO_FINISHED, List.of(keys.processing(), keys.leases(), destination), args));
    }

    /** moveToDelayed.lua: processing -> delayed; true for each job moved. */
    List<Boolean> moveToDelayed(List<Move> moves) {
        Object[] args = new Object[3 * moves.size()];
        int i = 0;
        for (Move move : moves) {
            args[i++] = move.from();
            args[i++] = move.to();
            args[i++] = String.valueOf(move.dueMs());
        }
        return flags(redis.execute(MOVE_TO_DELAYED, List.of(keys.processing(), keys.leases(), keys.delayed()), args));
    }

    /** promoteDelayed.lua: how many due jobs moved from delayed to the queue. */
    long promoteDelayed(long nowMs, int max) {
        return redis.execute(PROMOTE_DELAYED, List.of(keys.delayed(), keys.queued(), keys.announced()),
                String.valueOf(nowMs), String.valueOf(max));
    }

    /** requeue.lua: processing -> the front of the queue; true for each job moved. */
    List<Boolean> requeue(List<Requeue> requeues) {
        return flags(redis.execute(REQUEUE, List.of(keys.processing(), keys.leases(), keys.queued(), keys.announced()),
                requeueArgs(requeues)));
    }

    /** retryFailed.lua: failed -> the back of the queue; true for each job moved. */
    List<Boolean> retryFailed(List<Requeue> retries) {
        return flags(redis.execute(RETRY_FAILED, List.of(keys.failed(), keys.queued(), keys.announced()),
                requeueArgs(retries)));
    }

    /** extendLeases.lua: true for each lease renewed, false for one that is gone. */
    List<Boolean> extendLeases(long untilMs, List<String> storedValues) {
        List<String> args = new ArrayList<>(1 + storedValues.size());
        args.add(String.valueOf(untilMs));
        args.addAll(storedValues);
        return flags(redis.execute(EXTEND_LEASES, List.of(keys.leases()), args.toArray()));
    }

    /** claimStalled.lua: the stored values the reaper now holds until {@code holdUntilMs}. */
    List<String> claimStalled(long nowMs, long holdUntilMs, int max, long leaseDurationMs) {
        return strings(redis.execute(CLAIM_STALLED, List.of(keys.processing(), keys.leases(), keys.unleased()),
                String.valueOf(nowMs), String.valueOf(holdUntilMs), String.valueOf(max), String.valueOf(leaseDurationMs)));
    }

    private Object[] requeueArgs(List<Requeue> requeues) {
        Object[] args = new Object[1 + 4 * requeues.size()];
        args[0] = keys.eventsChannel();
        int i = 1;
        for (Requeue requeue : requeues) {
            args[i++] = requeue.from();
            args[i++] = requeue.to();
            args[i++] = requeue.event();
            args[i++] = requeue.id();
        }
        return args;
    }

    private static List<Boolean> flags(List<Object> values) {
        List<Boolean> flags = new ArrayList<>(values.size());
        for (Object value : values) {
            flags.add(value instanceof Long number && number == 1L);
        }
        return flags;
    }

    private static List<String> strings(List<Object> values) {
        List<String> strings = new ArrayList<>(values.size());
        for (Object value : values) {
            strings.add((String) value);
        }
        return strings;
    }
}
