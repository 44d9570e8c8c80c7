package io.jobqueue.duties;

import java.util.List;

import io.jobqueue.redis.JobLists;

/**
 * A safety net, run rarely: values in the processing list that no live process holds (left there by an earlier
 * version of this system, pushed by another client, or after Redis lost part of its data) go back to the queue as
 * 'stalled' once they have stayed unheld for {@link #GRACE_MS}. Jobs of dead processes do not need it: reapers return
 * those within seconds. Reads the processing list a page at a time, so a pass costs Redis little.
 */
public final class OrphanSweep extends BackgroundDuty {

    static final long GRACE_MS = 60_000;
    private static final int PAGE = 100;
    private static final int MAX_PAGES = 20;

    private final JobLists lists;

    public OrphanSweep(JobLists lists, long intervalMs) {
        super("orphan-sweep", intervalMs);
        this.lists = lists;
    }

    @Override
    protected void runOnce() {
        for (int page = 0; page < MAX_PAGES; page++) {
            List<String> values = lists.processingPage((long) page * PAGE, PAGE);
            lists.requeueOrphans(values, GRACE_MS);
            if (values.size() < PAGE) {
                break;
            }
        }
    }
}
