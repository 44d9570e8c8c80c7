package io.jobqueue.job;

import java.util.concurrent.ThreadLocalRandom;

import io.jobqueue.JobQueueSettings;

/**
 * When a failed attempt is tried again, and after how long: while {@code attempts < maxAttempts} (the job's own
 * {@code maxAttempts}, else the configured one), after an exponential backoff with "equal jitter": half of
 * {@code min(max, base * 2^(attempt-1))} for sure, the other half at random, so that jobs that failed together
 * do not all come back together.
 */
public final class RetryPolicy {

    private final JobQueueSettings.Retry settings;

    public RetryPolicy(JobQueueSettings.Retry settings) {
        this.settings = settings;
    }

    /** The API caps a job's own maxAttempts at this; a job pushed by another client is held to it too. */
    static final int MAX_ATTEMPTS = 1000;

    public int maxAttempts(Job job) {
        return (int) Math.min(MAX_ATTEMPTS, job.number("maxAttempts", settings.maxAttempts()));
    }

    /** Whether this failed attempt gets another: it can be mended by trying again, and attempts are left. */
    public boolean shouldRetry(Attempt attempt) {
        return !attempt.succeeded() && attempt.retryable() && attempt.job().attempts() + 1 < maxAttempts(attempt.job());
    }

    /** How long to wait before attempt {@code finishedAttempts + 1}. */
    public long delayMs(int finishedAttempts) {
        long exponential = settings.baseDelayMs() << Math.min(30, Math.max(0, finishedAttempts - 1));
        long capped = Math.min(settings.maxDelayMs(), exponential);
        long half = capped / 2;
        return half + ThreadLocalRandom.current().nextLong(capped - half + 1);
    }
}
