package io.jobqueue.worker;

import io.jobqueue.redis.JobStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/** Renews the leases of every job this process holds (called by the lease-keeper timer route). */
public final class LeaseKeeper {

    private static final Logger LOG = LoggerFactory.getLogger(LeaseKeeper.class);

    private final JobStore store;
    private final HeldJobs held;
    private final OutageLog outage = new OutageLog(LOG, "Renewing leases");

    public LeaseKeeper(JobStore store, HeldJobs held) {
        this.store = store;
        this.held = held;
    }

    public void renewLeases() {
        try {
            int lost = store.extendLeases(held.storedValues());
            if (lost > 0) {
                LOG.warn("{} job(s) held here had lost their lease (the reaper gave them back to the queue); "
                        + "their results will be dropped", lost);
            }
            outage.succeeded();
        } catch (RuntimeException e) {
            outage.failed(e);
        }
    }
}
