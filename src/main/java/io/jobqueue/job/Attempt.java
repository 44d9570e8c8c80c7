package io.jobqueue.job;

/**
 * What one run of a job's processing gave: a result, or an error.
 *
 * @param job        the job as it was run (still stored as 'processing')
 * @param resultJson the reply of the processing logic as JSON text, when it succeeded
 * @param error      why it failed, when it failed
 * @param retryable  false for a failure that no retry can mend (a value that is not a job)
 */
public record Attempt(Job job, String resultJson, String error, boolean retryable) {

    public static Attempt succeeded(Job job, String resultJson) {
        return new Attempt(job, resultJson, null, false);
    }

    public static Attempt failed(Job job, String error) {
        return new Attempt(job, null, error, true);
    }

    public static Attempt rejected(Job job, String error) {
        return new Attempt(job, null, error, false);
    }

    public boolean succeeded() {
        return error == null;
    }
}
