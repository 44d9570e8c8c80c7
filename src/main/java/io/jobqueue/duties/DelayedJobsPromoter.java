package io.jobqueue.duties;

import io.jobqueue.redis.JobStore;

/** Moves jobs whose retry backoff is over (by Redis's clock) back to the queue. */
public final class DelayedJobsPromoter extends BackgroundDuty {

    private static final int PROMOTIONS_PER_CALL = 1000;

    private final JobStore store;

    public DelayedJobsPromoter(JobStore store, long intervalMs) {
        super("delayed-jobs", intervalMs);
        this.store = store;
    }

    @Override
    protected void runOnce() {
        long moved;
        do {
            moved = store.promoteDelayed(PROMOTIONS_PER_CALL);
        } while (moved == PROMOTIONS_PER_CALL);
    }
}
