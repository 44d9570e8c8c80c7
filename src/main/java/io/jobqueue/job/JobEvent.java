package io.jobqueue.job;

import java.time.Instant;


/**
 * A status change, as published on the {@code job_status} channel: the seed's
 * {@code {jobId, status, workerId, timestamp, error}}, with {@code attempt} added for retries (the number of the
 * attempt that failed).
 * Absent fields are left out ({@code queued} has no {@code workerId}, as in the seed).
 */
public record JobEvent(String jobId, String status, String workerId, String timestamp, String error, Integer attempt) {

    /**
     * An event written ahead, by the thread that made the change, for the job it announces: whoever publishes it
     * later only sends the text (see {@code JobEvents.READY}).
     */
    public record Ready(Job job, String json) {
    }

    /** The event that announces the job's current status. */
    public static JobEvent of(Job job, Instant now) {
        return of(job, now.toEpochMilli());
    }

    public static JobEvent of(Job job, long nowMillis) {
        String status = job.status();
        String workerId = Job.QUEUED.equals(status) ? null : job.text("workerId");
        boolean settled = Job.QUEUED.equals(status) || Job.PROCESSING.equals(status) || Job.COMPLETED.equals(status);
        String error = settled ? null : job.text("error");
        Integer attempt = "retrying".equals(status) ? job.attempts() : null;
        return new JobEvent(job.id(), status, workerId, JobJson.timestamp(nowMillis), error, attempt);
    }

    /** The event's JSON, written by hand: one is written per status change, and a general serializer costs more. */
    public String json() {
        StringBuilder json = new StringBuilder(160).append('{');
        field(json, "jobId", jobId, false);
        field(json, "status", status, true);
        field(json, "workerId", workerId, true);
        field(json, "timestamp", timestamp, true);
        field(json, "error", error, true);
        if (attempt != null) {
            json.append(",\"attempt\":").append(attempt.intValue());
        }
        return json.append('}').toString();
    }

    private static void field(StringBuilder json, String name, String value, boolean comma) {
        if (value == null) {
            return;
        }
        if (comma) {
            json.append(',');
        }
        json.append('"').append(name).append("\":");
        JobJson.appendQuoted(json, value);
    }
}
