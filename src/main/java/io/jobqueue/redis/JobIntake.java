package io.jobqueue.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.redis.JobScripts.NewJob;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * How jobs come in: (new) -> queued, enqueue.lua, which LPUSHes them and publishes their 'queued' events in one step.
 * Every HTTP request and every {@code to("jobqueue:...")} calls it, so it is group-committed ({@link Batcher}): one
 * script run takes every job handed in while the previous run was in flight.
 */
public final class JobIntake extends ServiceSupport {

    /** The outcome of an enqueue: the job, and whether it is new (false: its idempotency key had made it before). */
    public record Enqueued(Job job, boolean created) {
    }

    private final Batcher<NewJob, String> enqueuer;

    /**
     * @param idempotencyTtlMs how long an idempotency key is remembered
     */
    public JobIntake(StringRedisTemplate redis, RedisKeys keys, long idempotencyTtlMs, long callTimeoutMs) {
        JobScripts scripts = new JobScripts(redis, keys);
        this.enqueuer = JobStore.groupCommit("enqueue", callTimeoutMs, jobs -> scripts.enqueue(jobs, idempotencyTtlMs));
    }

    /**
     * (new) -> queued: LPUSH the job and publish its 'queued' event in one step; or, when {@code idempotencyKey} made a
     * job before (within its time to live), nothing, and that job comes back.
     */
    public Enqueued enqueue(Job job, String idempotencyKey) {
        String existing = enqueuer.call(newJob(job, idempotencyKey));
        return existing == null ? new Enqueued(job.asStored(), true) : new Enqueued(Job.parse(existing), false);
    }

    /**
     * (new) -> queued, for many jobs: they join the enqueue group commit, which writes up to 1000 per script run while
     * this thread is still handing in the rest. Each run is atomic; if Redis fails, the jobs of the runs that succeeded
     * stay queued and the exception lists them ({@link PartlyEnqueuedException}).
     */
    public List<Job> enqueueAll(List<Job> jobs) {
        List<CompletableFuture<String>> runs = new ArrayList<>(jobs.size());
        for (Job job : jobs) {
            runs.add(enqueuer.submit(newJob(job, "")));
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

    /** A job to enqueue and its 'queued' event, written by the caller's thread, not the group commit's. */
    private static NewJob newJob(Job job, String idempotencyKey) {
        return new NewJob(job.json(), JobEvent.of(job, System.currentTimeMillis()).json(), job.id(),
                idempotencyKey == null ? "" : idempotencyKey);
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

    @Override
    protected void doStart() {
        ServiceHelper.startService(enqueuer);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(enqueuer);
    }
}
