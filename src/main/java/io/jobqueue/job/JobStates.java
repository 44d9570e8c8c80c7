package io.jobqueue.job;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ArrayNode;

/**
 * What a job looks like in each state: the status names, and the fields each transition sets or clears. The
 * transitions themselves (which list a job moves to, and when) are {@code redis.JobStore}'s.
 * <pre>
 *   queued       waiting in the queue (new, requeued after a stall, handed back, retried by hand)
 *   processing   started by a worker: workerId, startedAt
 *   retrying     waiting out a backoff after a failed attempt: error, errors, retryAt
 *   completed    finished: result, finishedAt
 *   failed       its last attempt failed, or it stalled too often: error, errors, finishedAt
 * </pre>
 * A stall ('stalled' event) is not a state: the job is queued again, with {@code stalls} counted. Each time a job is
 * put back in line (a retry later, a stall, a hand-back, a retry by hand) its {@code rev} goes up by one, and its record
 * remembers it: an older copy of the job (the same JSON pushed twice by another client) is then told from the job
 * itself and dropped, instead of running with the counts of its past.
 */
public final class JobStates {

    public static final String QUEUED = Job.QUEUED;
    public static final String PROCESSING = Job.PROCESSING;
    public static final String RETRYING = "retrying";
    public static final String COMPLETED = Job.COMPLETED;
    public static final String FAILED = Job.FAILED;
    /** An event, not a state: the job's worker died while it ran, and the job is queued again. */
    public static final String STALLED = "stalled";

    /** An error message is cut to this length: an exception may carry megabytes, and it is stored and published. */
    static final int MAX_ERROR_CHARS = 2000;
    /** The attempts whose errors a job keeps ({@code errors}): the most recent. */
    static final int MAX_ERRORS_KEPT = 20;

    private JobStates() {
    }

    public static Job completed(Attempt attempt) {
        return finished(attempt.job(), COMPLETED).setJson("result", attempt.resultJson()).remove("error").done();
    }

    public static Job failed(Attempt attempt) {
        return withError(finished(attempt.job(), FAILED), attempt.job(), attempt.error()).done();
    }

    /** A failed attempt that is tried again at {@code retryAtMillis} (by this host's clock: informational). */
    public static Job retrying(Attempt attempt, long retryAtMillis) {
        return withError(finished(attempt.job(), RETRYING), attempt.job(), attempt.error())
                .set("retryAt", JobJson.timestamp(retryAtMillis)).set("rev", rev(attempt.job()) + 1).done();
    }

    /** A job whose worker died while it ran, queued again: one more stall. */
    public static Job stalled(Job running) {
        return queuedAgain(running).set("stalls", running.number("stalls", 0) + 1).done();
    }

    /** A job that stalled more often than allowed: failed without an attempt of its own, with this last stall counted. */
    public static Job failedStalled(Job running, String reason) {
        return withError(running.edit().set("status", FAILED).set("stalls", running.number("stalls", 0) + 1)
                .set("finishedAt", JobJson.timestamp(System.currentTimeMillis())), running, reason).done();
    }

    /** A job still running when its worker's shutdown timeout ran out, given back to the queue as it was queued. */
    public static Job handedBack(Job running) {
        return queuedAgain(running).done();
    }

    /** A failed job queued again by hand: attempts reset to 0; the errors of earlier attempts are kept. */
    public static Job retriedByHand(Job failed) {
        return queuedAgain(failed).set("attempts", 0).remove("error", "finishedAt", "stalls").done();
    }

    /** How many times the job has been put back in line (0 for a job never put back, or pushed by another client). */
    public static long rev(Job job) {
        // another client may have written any number here; a rev far past what a job can reach is kept below the
        // precision of Lua's numbers, so that comparing revs in a script stays exact
        return Math.max(0, Math.min(1L << 50, job.number("rev", 0)));
    }

    /** The job as an attempt leaves it: the new status, one more finished attempt, when it finished. */
    private static Job.Edit finished(Job job, String status) {
        return job.edit().set("status", status)
                .set("attempts", job.attempts() + 1)
                .set("finishedAt", JobJson.timestamp(System.currentTimeMillis()));
    }

    /**
     * Sets {@code error} and appends it to {@code errors}, the history of failed attempts of {@code job} (still as it was
     * while running: its current attempt is {@code attempts + 1}), keeping the most recent {@link #MAX_ERRORS_KEPT}.
     */
    private static Job.Edit withError(Job.Edit edit, Job job, String error) {
        String message = error == null ? "failed" : error.length() > MAX_ERROR_CHARS ? error.substring(0, MAX_ERROR_CHARS) + "..." : error;
        ArrayNode errors = JobJson.MAPPER.createArrayNode();
        String earlier = job.rawField("errors");
        if (earlier != null && earlier.startsWith("[")) {
            try {
                JsonNode read = JobJson.read(earlier);
                if (read.isArray()) {
                    errors.addAll((ArrayNode) read);
                }
            } catch (IllegalArgumentException unreadable) {
                // another client's idea of an error list: start a new one rather than fail the job's move
            }
        }
        errors.addObject().put("attempt", job.attempts() + 1).put("error", message)
                .put("at", JobJson.timestamp(System.currentTimeMillis()));
        while (errors.size() > MAX_ERRORS_KEPT) {
            errors.remove(0);
        }
        return edit.set("error", message).setJson("errors", JobJson.write(errors));
    }

    private static Job.Edit queuedAgain(Job job) {
        return job.edit().set("status", QUEUED).set("rev", rev(job) + 1).remove("workerId", "startedAt", "retryAt", "result");
    }
}
