package io.jobqueue.worker;

import java.time.Instant;
import java.util.List;

import io.jobqueue.events.JobEvents;
import io.jobqueue.job.Job;
import io.jobqueue.redis.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives stalled jobs back to the queue (called by the reaper timer route, in every worker process; safe when many run
 * at once). A job is stalled when its lease ran out (its worker died or hung) or when it sat in processing without a
 * lease (its worker died right after taking it). A stall is not a failed attempt, but a job that stalls more than
 * {@code jobqueue.max-stalls} times is failed: it may be what kills its workers.
 */
public final class Reaper {

    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);
    private static final int CLAIMS_PER_CALL = 100;

    private final JobStore store;
    private final JobEvents events;
    private final int maxStalls;
    private final long holdMs;
    private final OutageLog outage = new OutageLog(LOG, "Looking for stalled jobs");

    public Reaper(JobStore store, JobEvents events, int maxStalls, long holdMs) {
        this.store = store;
        this.events = events;
        this.maxStalls = maxStalls;
        this.holdMs = holdMs;
    }

    /** Returns how many stalled jobs were requeued or failed. */
    public int reclaimStalledJobs() {
        int handled = 0;
        try {
            List<String> claimed;
            do {
                claimed = store.claimStalled(CLAIMS_PER_CALL, holdMs);
                for (String value : claimed) {
                    handled += reclaim(Job.readOrWrap(value, Instant.now())) ? 1 : 0;
                }
            } while (claimed.size() == CLAIMS_PER_CALL);
            outage.succeeded();
        } catch (RuntimeException e) {
            outage.failed(e);
        }
        return handled;
    }

    private boolean reclaim(Job job) {
        long stalls = job.number("stalls", 0) + 1;
        if (Job.PROCESSING.equals(job.status()) && stalls > maxStalls) {
            Job failed = store.failStalled(job, "stalled " + stalls + " times (its worker died or stopped renewing "
                    + "the lease; jobqueue.max-stalls is " + maxStalls + ")");
            if (failed != null) {
                events.publish(failed);
                LOG.warn("Job {} stalled {} times and failed", job.id(), stalls);
            }
            return failed != null;
        }
        boolean requeued = store.requeueStalled(job);
        if (requeued) {
            LOG.info("Job {} stalled (worker {}) and went back to the queue", job.id(), job.text("workerId"));
        }
        return requeued;
    }
}
