package io.jobqueue.worker;

/**
 * How many jobs a worker takes per round trip. Taking several at once is what lets a worker keep up with a deep queue
 * of short jobs, but a job taken is a job no other worker can start, so a worker takes only as many as it expects to
 * start within {@link #BUDGET_NANOS}, judged from a moving average of how long the process's jobs have taken. Slow
 * jobs (the demo's 1-4 s) are taken one at a time.
 */
final class BatchSize {

    static final long BUDGET_NANOS = 20_000_000L;
    /** Jobs shorter than this run without waiting for their start to be recorded (the round trip would cost more). */
    static final long TINY_NANOS = 2_000_000L;

    private final int max;
    // until measured, assume jobs are slow: take one. Shared by a process's worker threads without a lock: a racing
    // update loses one sample of a moving average, which does no harm
    private volatile double averageNanos = BUDGET_NANOS;

    BatchSize(int max) {
        this.max = Math.max(1, max);
    }

    int next() {
        long fit = (long) (BUDGET_NANOS / Math.max(averageNanos, 1.0));
        return (int) Math.max(1, Math.min(max, fit));
    }

    /** Whether the process's jobs take so little time that waiting for a round trip before each would slow them down. */
    boolean jobsAreTiny() {
        return averageNanos < TINY_NANOS;
    }

    void record(long jobNanos) {
        averageNanos = 0.8 * averageNanos + 0.2 * jobNanos;
    }
}
