package io.jobqueue.redis;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.function.Function;

import com.fasterxml.jackson.databind.node.ArrayNode;
import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.RetryPolicy;
import io.jobqueue.redis.JobScripts.Activation;
import io.jobqueue.redis.JobScripts.Move;
import io.jobqueue.redis.JobScripts.NewJob;
import io.jobqueue.redis.JobScripts.Requeue;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.data.redis.connection.RedisListCommands.Direction;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * What happens to a job: one method per transition, each one atomic step in Redis (a Lua script in
 * {@code src/main/resources/lua}, called by {@link JobScripts}, or BLMOVE). Lists hold jobs by value, so every script finds the job it moves by its
 * exact stored text ({@link Job#stored()}) and says whether it was still there.
 * <pre>
 *   enqueue[All]     (new)      -> queued       enqueue.lua (publishes 'queued')
 *   moveToProcessing queued     -> processing   takeJobs.lua, or BLMOVE when the queue is empty
 *   activate         (rewrite as 'processing' and lease, in place)   activateJobs.lua
 *                                               (publishes 'queued' for a job another client pushed unannounced)
 *   moveToCompleted  processing -> completed    moveToFinished.lua
 *   moveToFailed     processing -> failed       moveToFinished.lua
 *   moveToDelayed    processing -> delayed      moveToDelayed.lua    (a retry after a backoff)
 *   promoteDelayed   delayed    -> queued       promoteDelayed.lua
 *   release          processing -> queued       requeue.lua          (taken, not started, the worker stops)
 *   extendLeases     (lease renewal)            extendLeases.lua
 *   claimStalled     (the reaper takes leases)  claimStalled.lua
 *   requeueStalled   processing -> queued       requeue.lua          (publishes 'stalled')
 *   failStalled      processing -> failed       moveToFinished.lua   (stalled too often)
 *   retryFailed      failed     -> queued       retryFailed.lua      (by hand; publishes 'queued')
 * </pre>
 * The transitions that every worker thread calls (take, activate, finish) and enqueue, which every HTTP request calls,
 * are group-committed by a {@link Batcher}: one script run serves every call that arrived while the previous run was
 * in flight. The finishing ones return a future, so that a worker can start its next job while the move is in flight.
 * The Jackson work that shapes each job's JSON is done here, outside Redis, so that scripts only move text.
 */
public final class JobStore extends ServiceSupport {

    private final StringRedisTemplate redis;
    private final JobScripts scripts;
    private final RedisKeys keys;
    private final RetryPolicy retryPolicy;
    private final long leaseDurationMs;
    private final long maxJobBytes;
    private final Batcher<Integer, List<String>> taker;
    private final Batcher<Activation, List<Boolean>> activator;
    private final Batcher<NewJob, Long> enqueuer;
    private final Batcher<Move, Boolean> completer;
    private final Batcher<Move, Boolean> failer;
    private final Batcher<Move, Boolean> delayer;

    public JobStore(StringRedisTemplate redis, RedisKeys keys, RetryPolicy retryPolicy, long leaseDurationMs,
                    long maxJobBytes, long callTimeoutMs) {
        this.redis = redis;
        this.scripts = new JobScripts(redis, keys);
        this.keys = keys;
        this.retryPolicy = retryPolicy;
        this.leaseDurationMs = leaseDurationMs;
        this.maxJobBytes = maxJobBytes;
        this.taker = groupCommit("take", callTimeoutMs, scripts::takeJobs);
        this.activator = groupCommit("activate", callTimeoutMs, activations -> scripts.activateJobs(activations, leaseDurationMs));
        this.enqueuer = groupCommit("enqueue", callTimeoutMs, scripts::enqueue);
        this.completer = groupCommit("complete", callTimeoutMs, moves -> scripts.moveToFinished(keys.completed(), moves));
        this.failer = groupCommit("fail", callTimeoutMs, moves -> scripts.moveToFinished(keys.failed(), moves));
        this.delayer = groupCommit("delay", callTimeoutMs, scripts::moveToDelayed);
    }

    private static <I, R> Batcher<I, R> groupCommit(String name, long callTimeoutMs, Function<List<I>, List<R>> script) {
        return new Batcher<>(name, 1000, callTimeoutMs, script);
    }

    public RedisKeys keys() {
        return keys;
    }

    /** A job to enqueue and its 'queued' event, written by the caller's thread, not the group commit's. */
    private static NewJob newJob(Job job) {
        return new NewJob(job.json(), JobEvent.of(job, System.currentTimeMillis()).json(), job.id());
    }

    /** (new) -> queued: LPUSH the job and publish its 'queued' event in one step. */
    public Job enqueue(Job job) {
        enqueuer.call(newJob(job));
        return job.asStored();
    }

    /**
     * (new) -> queued, for many jobs: they join the enqueue group commit, which writes up to 1000 per script run (an
     * LPUSH and a 'queued' event per job) while this thread is still handing in the rest. Each run is atomic; if
     * Redis fails, the jobs of the runs that succeeded stay queued and the exception lists them
     * ({@link PartlyEnqueuedException}).
     */
    public List<Job> enqueueAll(List<Job> jobs) {
        List<CompletableFuture<Long>> runs = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            runs.add(enqueuer.submit(newJob(job)));
        }
        List<Job> stored = new ArrayList<>(jobs.size());
        RuntimeException failure = null;
        for (int i = 0; i < jobs.size(); i++) {
            try {
                runs.get(i).join();
                stored.add(jobs.get(i).asStored());
            } catch (CompletionException e) {
                failure = e.getCause() instanceof RuntimeException cause ? cause : e;
            }
        }
        if (failure != null) {
            throw new PartlyEnqueuedException(stored, failure);
        }
        return stored;
    }

    /** Redis failed in the middle of {@link #enqueueAll}: {@link #enqueued()} are queued, the rest are not. */
    public static final class PartlyEnqueuedException extends RuntimeException {
        private final transient List<Job> enqueued;

        PartlyEnqueuedException(List<Job> enqueued, RuntimeException cause) {
            super(enqueued.size() + " jobs were enqueued before Redis failed: " + cause.getMessage(), cause);
            this.enqueued = enqueued;
        }

        public List<Job> enqueued() {
            return enqueued;
        }
    }

    /**
     * queued -> processing, for up to {@code max} jobs: as many as are waiting, in one step, or else the first one to
     * arrive within {@code wait} (BLMOVE). The values are moved as they are; {@link #activate} rewrites them next.
     * Takes are group-committed: the worker threads that ask at the same time share one script run, so that a
     * process with many threads costs Redis no more round trips than one with few.
     */
    public List<String> moveToProcessing(int max, Duration wait) {
        List<String> taken = taker.call(max);
        if (!taken.isEmpty()) {
            return taken;
        }
        String one = redis.opsForList().move(keys.queued(), Direction.RIGHT, keys.processing(), Direction.LEFT, wait);
        return one == null ? List.of() : List.of(one);
    }

    /**
     * Rewrites values just moved to processing as 'processing' by {@code workerId}, in place, and leases them. A
     * value that is not a job (or is longer than {@code jobqueue.job.max-bytes}) comes back too, as a job marked
     * {@code invalid}, so that it is failed through the same route as any other job. A value no longer in processing
     * (the reaper gave it back meanwhile) is left out. Safe to call again with the same values after a failure.
     * A job that another client pushed without announcing it gets its 'queued' event here. Group-committed, as takes.
     */
    public List<Job> activate(List<String> taken, String workerId) {
        Instant now = Instant.now();
        List<Job> rewritten = new ArrayList<>(taken.size());
        for (String value : taken) {
            rewritten.add(Job.activate(value, workerId, now, maxJobBytes));
        }
        List<Boolean> activated = activator.call(new Activation(taken, rewritten, now.toEpochMilli()));
        List<Job> result = new ArrayList<>(rewritten.size());
        for (int i = 0; i < rewritten.size(); i++) {
            if (activated.get(i)) {
                result.add(rewritten.get(i).asStored());
            }
        }
        return result;
    }

    /**
     * processing -> completed, with the attempt's result. Completes with the job as completed, or with null when the
     * lease was lost (the job is no longer this worker's). Asynchronous: the caller goes on while the move waits for
     * the next group commit.
     */
    public CompletableFuture<Job> moveToCompleted(Attempt attempt) {
        Job completed = finished(attempt.job(), Job.COMPLETED).setJson("result", attempt.resultJson()).remove("error").done();
        return moved(completer.submit(new Move(attempt.job().stored(), completed.json(), 0)), completed);
    }

    /** processing -> failed, with the attempt's error added to the job's errors. Null when the lease was lost. */
    public CompletableFuture<Job> moveToFailed(Attempt attempt) {
        Job failed = withError(finished(attempt.job(), Job.FAILED), attempt.job(), attempt.error()).done();
        return moved(failer.submit(new Move(attempt.job().stored(), failed.json(), 0)), failed);
    }

    /**
     * processing -> delayed: the attempt failed and will be retried after the backoff. The job waits with status
     * 'retrying', its error and its {@code retryAt}. Null when the lease was lost.
     */
    public CompletableFuture<Job> moveToDelayed(Attempt attempt) {
        Job job = attempt.job();
        long dueMs = System.currentTimeMillis() + retryPolicy.delayMs(job.attempts() + 1);
        Job delayed = withError(finished(job, "retrying"), job, attempt.error())
                .set("retryAt", JobJson.timestamp(dueMs)).done();
        return moved(delayer.submit(new Move(job.stored(), delayed.json(), dueMs)), delayed);
    }

    private static CompletableFuture<Job> moved(CompletableFuture<Boolean> move, Job after) {
        return move.thenApply(done -> done ? after.asStored() : null);
    }

    /** delayed -> queued, for up to {@code max} jobs that are due. Returns how many moved. */
    public long promoteDelayed(int max) {
        return scripts.promoteDelayed(System.currentTimeMillis(), max);
    }

    /**
     * processing -> queued, at the front of the line, for jobs a worker took but will not start (it is stopping).
     * They go back in their original order, as if never taken.
     */
    public void release(List<Job> jobs) {
        List<Job> reversed = new ArrayList<>(jobs);
        Collections.reverse(reversed);
        List<Requeue> requeues = new ArrayList<>();
        for (Job job : reversed) {
            requeues.add(new Requeue(job.stored(), queuedAgain(job).done().json(), "", JobScripts.announcedId(job)));
        }
        scripts.requeue(requeues);
    }

    /** Renews the leases of the given stored values. Returns how many were gone (the job is no longer this worker's). */
    public int extendLeases(List<String> storedValues) {
        if (storedValues.isEmpty()) {
            return 0;
        }
        int lost = 0;
        for (boolean renewed : scripts.extendLeases(System.currentTimeMillis() + leaseDurationMs, storedValues)) {
            lost += renewed ? 0 : 1;
        }
        return lost;
    }

    /**
     * The reaper takes over up to {@code max} stalled jobs (expired lease, or never leased for a lease's length) by
     * leasing them to itself for {@code holdMs}; it then requeues or fails each one.
     */
    public List<String> claimStalled(int max, long holdMs) {
        long now = System.currentTimeMillis();
        return scripts.claimStalled(now, now + holdMs, max, leaseDurationMs);
    }

    /**
     * processing -> queued, at the front of the line, for a claimed stalled job, announced by a 'stalled' event.
     * A job that was running counts the stall ({@code stalls}); one that was taken but never started is put back
     * as it was.
     */
    public boolean requeueStalled(Job claimed) {
        boolean started = Job.PROCESSING.equals(claimed.status()) && claimed.invalidReason() == null;
        String queued = started ? queuedAgain(claimed).set("stalls", claimed.number("stalls", 0) + 1).done().json() : claimed.stored();
        String event = new JobEvent(claimed.id(), "stalled", claimed.text("workerId"), JobJson.timestamp(Instant.now()),
                "its worker stopped renewing the lease", null).json();
        return scripts.requeue(List.of(new Requeue(claimed.stored(), queued, event, JobScripts.announcedId(claimed)))).get(0);
    }

    /** processing -> failed, for a claimed job that stalled more often than allowed. A stall is not an attempt. */
    public Job failStalled(Job claimed, String reason) {
        Job failed = withError(claimed.edit().set("status", Job.FAILED).set("finishedAt", JobJson.timestamp(System.currentTimeMillis())),
                claimed, reason).done();
        return failer.call(new Move(claimed.stored(), failed.json(), 0)) ? failed.asStored() : null;
    }

    /**
     * failed -> queued, by hand, for the given jobs as they are stored in the failed list: back of the line, attempts
     * reset to 0 (the errors of earlier attempts are kept), announced by 'queued'. Returns the jobs moved.
     */
    public List<Job> retryFailed(List<Job> failedJobs) {
        List<Job> queued = new ArrayList<>(failedJobs.size());
        List<Requeue> retries = new ArrayList<>(failedJobs.size());
        Instant now = Instant.now();
        for (Job failed : failedJobs) {
            Job again = queuedAgain(failed).set("attempts", 0).remove("error", "finishedAt", "stalls").done();
            queued.add(again);
            retries.add(new Requeue(failed.stored(), again.json(), JobEvent.of(again, now).json(), again.id()));
        }
        List<Boolean> moved = scripts.retryFailed(retries);
        List<Job> result = new ArrayList<>();
        for (int i = 0; i < queued.size(); i++) {
            if (moved.get(i)) {
                result.add(queued.get(i).asStored());
            }
        }
        return result;
    }

    /** The job as an attempt leaves it: the new status, one more finished attempt, when it finished. */
    private static Job.Edit finished(Job job, String status) {
        return job.edit().set("status", status)
                .set("attempts", job.attempts() + 1)
                .set("finishedAt", JobJson.timestamp(System.currentTimeMillis()));
    }

    /**
     * Sets {@code error} and appends it to {@code errors}, the history of every failed attempt of {@code job} (still
     * as it was while running: its current attempt is {@code attempts + 1}).
     */
    private static Job.Edit withError(Job.Edit edit, Job job, String error) {
        ArrayNode errors = JobJson.MAPPER.createArrayNode();
        String earlier = job.rawField("errors");
        if (earlier != null && earlier.startsWith("[")) {
            errors.addAll((ArrayNode) JobJson.read(earlier));
        }
        errors.addObject().put("attempt", job.attempts() + 1).put("error", error)
                .put("at", JobJson.timestamp(System.currentTimeMillis()));
        return edit.set("error", error).setJson("errors", JobJson.write(errors));
    }

    private static Job.Edit queuedAgain(Job job) {
        return job.edit().set("status", Job.QUEUED).remove("workerId", "startedAt", "retryAt", "result");
    }

    @Override
    protected void doStart() {
        ServiceHelper.startService(taker, activator, enqueuer, completer, failer, delayer);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(taker, activator, enqueuer, completer, failer, delayer);
    }
}
