package io.jobqueue.worker;

import io.jobqueue.job.Job;

/**
 * A job a worker thread has taken and reserved, not yet started: the value exactly as it was taken (bytes: it must be
 * found again in the worker's reserved list, whatever another client pushed), and the job read from it, held under
 * its run token ({@link Job#run()}). A value that is not a job is read as the record that says why.
 */
public record ReservedJob(byte[] taken, Job job) {
}
