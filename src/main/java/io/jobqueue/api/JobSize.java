package io.jobqueue.api;

import io.jobqueue.job.Job;

/**
 * The intake's side of {@code jobqueue.job.max-bytes}: a worker fails unread any job longer than that, so data that
 * would make one is refused (413) before anything is enqueued, rather than accepted and failed later under its id.
 */
final class JobSize {

    /** What a new job adds around its data (id, createdAt, status, attempts), with room for its per-job options. */
    private static final int ENVELOPE_BYTES = Job.create("{}", System.currentTimeMillis()).json().length() - 2 + 64;

    private final long maxJobBytes;

    JobSize(long maxJobBytes) {
        this.maxJobBytes = maxJobBytes;
    }

    /** Whether data of this many UTF-8 bytes makes a job within the limit. */
    boolean fits(long dataBytes) {
        return dataBytes + ENVELOPE_BYTES <= maxJobBytes;
    }

    /** The 413 for data that does not fit; {@code what} names it for the client ("element 3"). */
    ApiException tooLarge(long dataBytes, String what) {
        return new ApiException(413, what + " would make a job of " + (dataBytes + ENVELOPE_BYTES)
                + " bytes; the limit is " + maxJobBytes + " (jobqueue.job.max-bytes)");
    }
}
