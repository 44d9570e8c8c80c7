package io.jobqueue.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;

import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Which worker processes are alive, for one queue: each registers, sends a heartbeat (one call per process whatever
 * the number of jobs it holds), and deregisters when it stops cleanly; reapers take over what dead ones held.
 * Every expiry is computed by Redis's clock, so processes whose clocks differ agree on who is alive.
 * <pre>
 *   register           (nothing)          -> registered       registerWorker.lua
 *   heartbeat          registered         -> registered       heartbeat.lua    (0: taken for dead meanwhile)
 *   deregister         registered, idle   -> (nothing)        deregisterWorker.lua
 *   claimDeadWorkers   silent twice       -> (nothing)        claimDeadWorkers.lua: its reserved jobs back to the
 *                                                             queue, its started jobs claimed by the reaper
 * </pre>
 */
public final class WorkerRegistry {

    private static final RedisScript<Long> REGISTER = LuaScript.returningNumber("registerWorker");
    private static final RedisScript<Long> HEARTBEAT = LuaScript.returningNumber("heartbeat");
    private static final RedisScript<Long> DEREGISTER = LuaScript.returningNumber("deregisterWorker");
    private static final RedisScript<List<Object>> CLAIM_DEAD_WORKERS = LuaScript.returningList("claimDeadWorkers");
    /** Started jobs claimed per call at most: each comes back with its JSON, which may be large. */
    public static final int JOBS_PER_CLAIM = 20;

    /** A started job a reaper now holds: its id and its JSON as it was running. */
    public record ClaimedJob(String id, String json) {
    }

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final long timeoutMs;
    private final long relookMs;

    /** A registry whose reapers look at a buried process's lists again after 30 s (blocking takes of 5 s or so). */
    public WorkerRegistry(StringRedisTemplate redis, RedisKeys keys, long timeoutMs) {
        this(redis, keys, timeoutMs, 30_000);
    }

    /**
     * @param timeoutMs how long a process counts as alive after its last heartbeat (Redis time)
     * @param relookMs  how long after a burial a reaper empties the dead process's reserved lists once more: longer
     *                  than a blocking take it had sent can still wait in Redis
     */
    public WorkerRegistry(StringRedisTemplate redis, RedisKeys keys, long timeoutMs, long relookMs) {
        this.redis = redis;
        this.keys = keys;
        this.timeoutMs = timeoutMs;
        this.relookMs = relookMs;
    }

    public RedisKeys keys() {
        return keys;
    }

    /** Registers the process; {@code description} must name its {@code threads} (the count of its reserved lists). */
    public void register(String processId, Map<String, String> description) {
        List<String> args = new ArrayList<>(2 + 2 * description.size());
        args.add(processId);
        args.add(String.valueOf(timeoutMs));
        description.forEach((field, value) -> {
            args.add(field);
            args.add(value);
        });
        redis.execute(REGISTER, List.of(keys.workers(), keys.suspects(), keys.worker(processId)), args.toArray());
    }

    /** Returns false when the process was taken for dead meanwhile (and must drop what it holds and register again). */
    public boolean heartbeat(String processId) {
        Long alive = redis.execute(HEARTBEAT, List.of(keys.workers(), keys.suspects()), processId, String.valueOf(timeoutMs));
        return alive != null && alive == 1L;
    }

    /** Returns false when the process still holds jobs: it stays registered, and a reaper returns them after it falls silent. */
    public boolean deregister(String processId) {
        Long done = redis.execute(DEREGISTER,
                List.of(keys.workers(), keys.suspects(), keys.worker(processId), keys.held(processId)),
                processId, keys.reservedPrefix(), keys.fencePrefix());
        return done != null && done == 1L;
    }

    /**
     * Takes over the jobs of processes found silent for at least {@code confirmMs} on two reaper passes: their reserved
     * jobs go back to the queue at once, their started jobs are returned here (at most {@link #JOBS_PER_CLAIM}; call
     * again for more), held by {@code reaperProcessId} under {@code claimRun} for the reaper to requeue or fail. With
     * {@code reclaimOwn} (the reaper's previous call failed, and may have claimed jobs whose reply was lost), this
     * reaper's earlier claims still held come back too, under the new token.
     */
    public List<ClaimedJob> claimDeadWorkers(String reaperProcessId, String claimRun, long confirmMs, boolean reclaimOwn) {
        List<Object> flat = redis.execute(CLAIM_DEAD_WORKERS,
                List.of(keys.workers(), keys.suspects(), keys.queued(), keys.buried()),
                keys.jobPrefix(), keys.heldPrefix(), keys.workerPrefix(), keys.reservedPrefix(), String.valueOf(confirmMs),
                reaperProcessId, claimRun, String.valueOf(JOBS_PER_CLAIM), keys.fencePrefix(), reclaimOwn ? "1" : "0",
                String.valueOf(relookMs));
        List<ClaimedJob> claimed = new ArrayList<>(flat.size() / 2);
        for (int i = 0; i + 1 < flat.size(); i += 2) {
            claimed.add(new ClaimedJob((String) flat.get(i), (String) flat.get(i + 1)));
        }
        return claimed;
    }
}
