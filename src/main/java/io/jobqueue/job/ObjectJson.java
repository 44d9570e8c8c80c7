package io.jobqueue.job;

/**
 * JSON text already checked to be exactly one JSON object (by {@link JobJson#requireObject} or a token stream), so
 * that it can become a job's data as it is, without being checked again.
 */
public record ObjectJson(String text) {
}
