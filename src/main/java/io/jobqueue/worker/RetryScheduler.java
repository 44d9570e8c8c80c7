package io.jobqueue.worker;

import io.jobqueue.redis.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Moves jobs whose retry backoff is over back to the queue (called by the scheduler timer route). */
public final class RetryScheduler {

    private static final Logger LOG = LoggerFactory.getLogger(RetryScheduler.class);
    private static final int PROMOTIONS_PER_CALL = 1000;

    private final JobStore store;
    private final OutageLog outage = new OutageLog(LOG, "Promoting delayed jobs");

    public RetryScheduler(JobStore store) {
        this.store = store;
    }

    public long promoteDueJobs() {
        long promoted = 0;
        try {
            long moved;
            do {
                moved = store.promoteDelayed(PROMOTIONS_PER_CALL);
                promoted += moved;
            } while (moved == PROMOTIONS_PER_CALL);
            outage.succeeded();
        } catch (RuntimeException e) {
            outage.failed(e);
        }
        return promoted;
    }
}
