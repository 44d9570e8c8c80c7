package io.jobqueue.duties;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.JobStates;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.RedisSetup;
import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.redis.WorkerRegistry.ClaimedJob;
import io.jobqueue.worker.WorkerIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Gives back what dead worker processes held (in every worker process; safe when many run at once). A process is
 * dead when its heartbeat ran out and it was still silent when a reaper looked again (see claimDeadWorkers.lua): the
 * jobs it had taken but not started go back to the queue as they were, and each job it had started is claimed here and
 * requeued as 'stalled', or failed when it has stalled more than {@code jobqueue.max-stalls} times (it may be what
 * kills its workers). Only a job that started can stall. A claim this pass could not finish (Redis went away) is
 * finished on a later pass; if this process dies first, the claim is its own, and the next reaper finds it.
 */
public final class Reaper extends BackgroundDuty {

    private static final Logger LOG = LoggerFactory.getLogger(Reaper.class);

    private final WorkerRegistry registry;
    private final JobStore store;
    private final WorkerIdentity identity;
    private final int maxStalls;
    private final long confirmMs;
    private final List<Job> unfinishedClaims = new ArrayList<>();
    private boolean claimMayHaveBeenLost;

    public Reaper(WorkerRegistry registry, JobStore store, WorkerIdentity identity, int maxStalls, long intervalMs, long confirmMs) {
        super("reaper", intervalMs);
        this.registry = registry;
        this.store = store;
        this.identity = identity;
        this.maxStalls = maxStalls;
        this.confirmMs = confirmMs;
    }

    @Override
    protected void runOnce() {
        List<Job> claims = new ArrayList<>(unfinishedClaims);
        unfinishedClaims.clear();
        List<ClaimedJob> claimedNow;
        do {
            String run = WorkerIdentity.newRun(identity.processId());
            boolean reclaim = claimMayHaveBeenLost;
            claimMayHaveBeenLost = true; // until the call below answers
            claimedNow = registry.claimDeadWorkers(identity.processId(), run, confirmMs, reclaim);
            claimMayHaveBeenLost = false;
            claims.addAll(readClaims(claimedNow, run));
            giveBack(claims);
            claims.clear();
        } while (claimedNow.size() == WorkerRegistry.JOBS_PER_CLAIM);
        if (!unfinishedClaims.isEmpty()) {
            throw new IllegalStateException(unfinishedClaims.size() + " stalled job(s) claimed but not yet given back");
        }
    }

    private static List<Job> readClaims(List<ClaimedJob> claimedNow, String run) {
        List<Job> claims = new ArrayList<>(claimedNow.size());
        for (ClaimedJob claimed : claimedNow) {
            if (claimed.json() == null) {
                LOG.error("Job {} was held by a dead process but its record has no JSON; the orphan sweep returns it", claimed.id());
                continue;
            }
            Job job = Job.readOrWrap(claimed.json(), Instant.now());
            if (!claimed.id().equals(job.id())) {
                LOG.error("Job {} was held by a dead process but its record is unreadable; the orphan sweep returns it", claimed.id());
                continue;
            }
            claims.add(job.withRun(run));
        }
        return claims;
    }

    private void giveBack(List<Job> claims) {
        for (Job job : claims) {
            try {
                reclaim(job);
            } catch (RuntimeException e) {
                if (RedisSetup.isTransient(e)) {
                    unfinishedClaims.add(job);
                } else {
                    LOG.error("Could not give back stalled job {}", job.id(), e);
                }
            }
        }
    }

    private void reclaim(Job running) {
        long stalls = running.number("stalls", 0) + 1;
        if (stalls > maxStalls) {
            Job failed = store.failStalled(running, JobStates.failedStalled(running, "stalled " + stalls
                    + " times (its worker process died while it ran; jobqueue.max-stalls is " + maxStalls + ")"));
            if (failed != null) {
                LOG.warn("Job {} stalled {} times and failed", running.id(), stalls);
            }
            return;
        }
        JobEvent stalled = new JobEvent(running.id(), JobStates.STALLED, running.text("workerId"),
                JobJson.timestamp(System.currentTimeMillis()), "its worker process died while it ran", null);
        if (store.requeue(running, JobStates.stalled(running), stalled)) {
            LOG.info("Job {} stalled (worker {} died) and went back to the queue", running.id(), running.text("workerId"));
        }
    }
}
