package io.jobqueue.redis;

/**
 * A worker thread's take or recovery found its process taken for dead (or not registered yet): what its reserved list
 * held went back to the queue, and it may hold nothing under this identity. The worker's process goes on under a new
 * identity once it has registered (see {@code Heartbeat.registrationLost}).
 */
public final class WorkerTakenForDead extends RuntimeException {

    private final String workerId;

    public WorkerTakenForDead(String workerId) {
        super("worker " + workerId + " is not registered: taken for dead, or not registered yet");
        this.workerId = workerId;
    }

    public String workerId() {
        return workerId;
    }
}
