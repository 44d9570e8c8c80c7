package io.jobqueue.redis;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import io.jobqueue.job.JobJson;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * How each transition script in {@code src/main/resources/lua} is called: its KEYS and ARGV in the order its header
 * names them, and its reply read back. The scripts that group commits run take many jobs per call; the others one
 * step each. What a job becomes is decided by {@link JobStore}; this class only carries text to Redis and back.
 * <p>
 * Values taken from the queue travel as bytes, both ways: another client may have pushed anything, and a value that
 * is not UTF-8 text must still be moved byte for byte (as text it would come back altered and never be found).
 */
final class JobScripts {

    private static final RedisScript<List<Object>> ENQUEUE = LuaScript.returningList("enqueue");
    private static final RedisScript<List<Object>> TAKE_JOBS = LuaScript.returningList("takeJobs");
    private static final RedisScript<List<Object>> RECOVER_RESERVED = LuaScript.returningList("recoverReserved");
    private static final RedisScript<List<Object>> RESERVE_JOBS = LuaScript.returningList("reserveJobs");
    private static final RedisScript<List<Object>> START_JOBS = LuaScript.returningList("startJobs");
    private static final RedisScript<List<Object>> MOVE_TO_FINISHED = LuaScript.returningList("moveToFinished");
    private static final RedisScript<List<Object>> MOVE_TO_DELAYED = LuaScript.returningList("moveToDelayed");
    private static final RedisScript<Long> PROMOTE_DELAYED = LuaScript.returningNumber("promoteDelayed");
    private static final RedisScript<List<Object>> REQUEUE = LuaScript.returningList("requeue");
    private static final RedisScript<Long> RELEASE_RESERVED = LuaScript.returningNumber("releaseReserved");
    private static final RedisScript<List<Object>> RETRY_FAILED = LuaScript.returningList("retryFailed");
    private static final RedisScript<Long> REQUEUE_ORPHANS = LuaScript.returningNumber("requeueOrphans");

    /** Script arguments as Redis gets them: text as UTF-8, byte arrays (values as taken) as they are. */
    static final RedisSerializer<Object> ARGS = new RedisSerializer<>() {
        @Override
        public byte[] serialize(Object value) {
            return value instanceof byte[] bytes ? bytes : String.valueOf(value).getBytes(StandardCharsets.UTF_8);
        }

        @Override
        public Object deserialize(byte[] bytes) {
            return bytes;
        }
    };

    /** A new job, its 'queued' event, its id, and the client's idempotency key ('' for none). */
    record NewJob(String json, String event, String id, String idempotencyKey) {
    }

    /**
     * One job a worker took: its id, the token of the run that holds it, its rev as taken, and whether the worker read
     * it from its list again after a failed take.
     */
    record Hold(String id, String run, long rev, boolean again) {
    }

    /**
     * A job to start: how ('start', 'invalid' or 'drop'), the worker's reserved list, the value as taken, the job as
     * started, and its 'processing' event. The texts a job carries are encoded by the worker that makes them, so
     * that the one thread a group commit runs on only sends.
     */
    record Start(String how, String reservedList, byte[] taken, byte[] started, String id, String run, String workerId,
                 byte[] event) {
    }

    /**
     * A held job's move: its id, the run that holds it, its JSON in processing, its JSON after the move, the event to
     * publish (empty for none), and the backoff (for a retry later, else 0). Texts encoded as for {@link Start}.
     */
    record Move(String id, String run, byte[] held, byte[] json, byte[] event, long backoffMs, long rev) {
    }

    /** A failed job to retry by hand: its JSON in failed, its id, its JSON as queued again, its 'queued' event, its new rev. */
    record Retry(String failed, String id, String queued, String event, long rev) {
    }

    /** A value found in processing: as it stands there, its id ('' if unreadable), as queued again, its event, its new rev. */
    record Orphan(String value, String id, String queued, String event, long rev) {
    }

    private final StringRedisTemplate redis;
    private final RedisKeys keys;

    JobScripts(StringRedisTemplate redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
    }

    /** enqueue.lua for many jobs; for each, null if enqueued, else the JSON of the job its idempotency key made. */
    List<String> enqueue(List<NewJob> jobs, long idempotencyTtlMs) {
        List<Object> args = new ArrayList<>(3 + 4 * jobs.size());
        args.add(keys.eventsChannel());
        args.add(keys.idempotencyPrefix());
        args.add(idempotencyTtlMs);
        for (NewJob job : jobs) {
            args.add(job.json());
            args.add(job.event());
            args.add(job.id());
            args.add(job.idempotencyKey());
        }
        List<String> existing = new ArrayList<>(jobs.size());
        for (Object value : textResult(ENQUEUE, List.of(keys.queued(), keys.announced()), args)) {
            existing.add(value instanceof String text && !text.isEmpty() ? text : null);
        }
        return existing;
    }

    /** A worker thread's take: its id, the fence value it takes under, and how many jobs it wants. */
    record Take(String workerId, long fence, int max) {
    }

    /**
     * One takeJobs.lua run for every waiting take: the values, oldest first, shared out in the order asked (none for a
     * take whose fence has moved, null for a taker taken for dead).
     */
    List<List<byte[]>> takeJobs(List<Take> takes) {
        List<String> scriptKeys = new ArrayList<>(1 + 2 * takes.size());
        List<Object> args = new ArrayList<>(2 * takes.size());
        scriptKeys.add(keys.queued());
        for (Take take : takes) {
            scriptKeys.add(keys.reserved(take.workerId()));
            scriptKeys.add(keys.fence(take.workerId()));
            args.add(take.max());
            args.add(take.fence());
        }
        List<Object> reply = redis.execute(TAKE_JOBS, ARGS, ARGS_RESULT, scriptKeys, args.toArray());
        List<List<byte[]>> shares = new ArrayList<>(takes.size());
        int from = takes.size();
        for (int k = 0; k < takes.size(); k++) {
            int count = ((Long) reply.get(k)).intValue();
            shares.add(count < 0 ? null : bytes(reply.subList(from, from + count)));
            from += Math.max(count, 0);
        }
        return shares;
    }

    /**
     * recoverReserved.lua: the worker's new fence value, then the values in its reserved list, oldest first; or -1
     * alone when its process is not registered.
     */
    List<byte[]> recoverReserved(String workerId, String processId) {
        return bytes(redis.execute(RECOVER_RESERVED, ARGS, ARGS_RESULT,
                List.of(keys.reserved(workerId), keys.fence(workerId), keys.workers()), processId));
    }

    /**
     * reserveJobs.lua for the holds of many worker threads of one process ({@code workers}: each hold's worker id):
     * for each job 1 (this worker's to run) or 0 (a copy of a job held elsewhere); or a single -1 when the process
     * is not registered.
     */
    List<Long> reserveJobs(String processId, List<Hold> holds, List<String> workers) {
        List<Object> args = new ArrayList<>(5 + 5 * holds.size());
        args.add(keys.jobPrefix());
        args.add(processId);
        args.add(keys.eventsChannel());
        args.add(JobJson.timestamp(System.currentTimeMillis()));
        args.add(keys.heldPrefix());
        for (int i = 0; i < holds.size(); i++) {
            args.add(holds.get(i).id());
            args.add(holds.get(i).run());
            args.add(workers.get(i));
            args.add(holds.get(i).rev());
            args.add(holds.get(i).again() ? "1" : "0");
        }
        return numbers(textResult(RESERVE_JOBS, List.of(keys.workers(), keys.announced()), args));
    }

    /** startJobs.lua for the starts of many workers; for each: 1 started, 2 dropped, 0 no longer this worker's. */
    List<Long> startJobs(List<Start> starts) {
        List<Object> args = new ArrayList<>(3 + 8 * starts.size());
        args.add(keys.jobPrefix());
        args.add(keys.eventsChannel());
        args.add(keys.heldPrefix());
        for (Start start : starts) {
            args.add(start.how());
            args.add(start.reservedList());
            args.add(start.taken());
            args.add(start.started());
            args.add(start.id());
            args.add(start.run());
            args.add(start.workerId());
            args.add(start.event());
        }
        return numbers(textResult(START_JOBS, List.of(keys.processing(), keys.announced()), args));
    }

    /** moveToFinished.lua: processing -> {@code destination}; true for each job moved. */
    List<Boolean> moveToFinished(String destination, String state, long keepCount, long keepMs, List<Move> moves) {
        List<Object> args = new ArrayList<>(6 + 5 * moves.size());
        args.add(keys.jobPrefix());
        args.add(keys.heldPrefix());
        args.add(state);
        args.add(keepCount);
        args.add(keepMs);
        args.add(keys.eventsChannel());
        for (Move move : moves) {
            args.add(move.id());
            args.add(move.run());
            args.add(move.held());
            args.add(move.json());
            args.add(move.event());
        }
        return flags(textResult(MOVE_TO_FINISHED, List.of(keys.processing(), destination), args));
    }

    /** moveToDelayed.lua: processing -> delayed; true for each job moved. */
    List<Boolean> moveToDelayed(List<Move> moves) {
        List<Object> args = new ArrayList<>(2 + 6 * moves.size());
        args.add(keys.jobPrefix());
        args.add(keys.heldPrefix());
        for (Move move : moves) {
            args.add(move.id());
            args.add(move.run());
            args.add(move.held());
            args.add(move.json());
            args.add(move.backoffMs());
            args.add(move.rev());
        }
        return flags(textResult(MOVE_TO_DELAYED, List.of(keys.processing(), keys.delayed()), args));
    }

    /** promoteDelayed.lua: how many due jobs moved from delayed to the queue. */
    long promoteDelayed(int max) {
        return redis.execute(PROMOTE_DELAYED, List.of(keys.delayed(), keys.queued(), keys.announced()),
                keys.jobPrefix(), String.valueOf(max));
    }

    /** requeue.lua: processing -> the front of the queue; true for each job moved. */
    List<Boolean> requeue(List<Move> moves) {
        List<Object> args = new ArrayList<>(3 + 5 * moves.size());
        args.add(keys.jobPrefix());
        args.add(keys.heldPrefix());
        args.add(keys.eventsChannel());
        for (Move move : moves) {
            args.add(move.id());
            args.add(move.run());
            args.add(move.json());
            args.add(move.event());
            args.add(move.rev());
        }
        return flags(textResult(REQUEUE, List.of(keys.processing(), keys.queued(), keys.announced()), args));
    }

    /** releaseReserved.lua: a worker's reserved jobs (value as taken, id) back to the front of the queue; how many went back. */
    long releaseReserved(String reservedList, String processId, List<byte[]> taken, List<String> ids) {
        List<Object> args = new ArrayList<>(2 + 2 * taken.size());
        args.add(keys.jobPrefix());
        args.add(processId);
        for (int i = 0; i < taken.size(); i++) {
            args.add(taken.get(i));
            args.add(ids.get(i));
        }
        Long released = redis.execute(RELEASE_RESERVED, ARGS, NUMBER_RESULT, List.of(reservedList, keys.queued()), args.toArray());
        return released == null ? 0 : released;
    }

    /** retryFailed.lua: failed -> the back of the queue; true for each job moved. */
    List<Boolean> retryFailed(List<Retry> retries, long recordTtlMs) {
        List<Object> args = new ArrayList<>(3 + 4 * retries.size());
        args.add(keys.eventsChannel());
        args.add(keys.jobPrefix());
        args.add(recordTtlMs);
        for (Retry retry : retries) {
            args.add(retry.failed());
            args.add(retry.id());
            args.add(retry.queued());
            args.add(retry.event());
            args.add(retry.rev());
        }
        return flags(textResult(RETRY_FAILED, List.of(keys.failed(), keys.queued(), keys.announced()), args));
    }

    /** requeueOrphans.lua: how many unheld values in processing went back to the queue. */
    long requeueOrphans(long graceMs, List<Orphan> orphans) {
        List<Object> args = new ArrayList<>(4 + 4 * orphans.size());
        args.add(keys.jobPrefix());
        args.add(keys.eventsChannel());
        args.add(graceMs);
        args.add(keys.heldPrefix());
        for (Orphan orphan : orphans) {
            args.add(orphan.value());
            args.add(orphan.id());
            args.add(orphan.queued());
            args.add(orphan.event());
            args.add(orphan.rev());
        }
        Long requeued = redis.execute(REQUEUE_ORPHANS, ARGS, NUMBER_RESULT,
                List.of(keys.processing(), keys.queued(), keys.orphans(), keys.workers()), args.toArray());
        return requeued == null ? 0 : requeued;
    }

    /** Runs a script whose reply holds integers or text; text comes back as Strings. */
    private List<Object> textResult(RedisScript<List<Object>> script, List<String> scriptKeys, List<Object> args) {
        return redis.execute(script, ARGS, TEXT_RESULT, scriptKeys, args.toArray());
    }

    @SuppressWarnings({ "rawtypes", "unchecked" })
    private static final RedisSerializer<List<Object>> TEXT_RESULT = (RedisSerializer) RedisSerializer.string();
    @SuppressWarnings({ "rawtypes", "unchecked" })
    private static final RedisSerializer<List<Object>> ARGS_RESULT = (RedisSerializer) RedisSerializer.byteArray();
    @SuppressWarnings({ "rawtypes", "unchecked" })
    private static final RedisSerializer<Long> NUMBER_RESULT = (RedisSerializer) RedisSerializer.string();

    private static List<byte[]> bytes(List<Object> values) {
        List<byte[]> bytes = new ArrayList<>(values.size());
        for (Object value : values) {
            bytes.add((byte[]) value);
        }
        return bytes;
    }

    static List<Boolean> flags(List<Object> values) {
        List<Boolean> flags = new ArrayList<>(values.size());
        for (Object value : values) {
            flags.add(value instanceof Long number && number == 1L);
        }
        return flags;
    }

    private static List<Long> numbers(List<Object> values) {
        List<Long> numbers = new ArrayList<>(values.size());
        for (Object value : values) {
            numbers.add(value instanceof Long number ? number : 0L);
        }
        return numbers;
    }
}
