package io.jobqueue.redis;

/**
 * Every Redis key and channel name, built from the queue name in one place. With the default name these are the
 * seed's keys: {@code job_queue}, {@code job_queue:processing}, {@code job_queue:completed}, {@code job_queue:failed},
 * and the channel {@code job_status}.
 */
public record RedisKeys(String queue, String eventsChannel) {

    /** Jobs waiting to run. Producers LPUSH, workers take from the right: first in, first out. */
    public String queued() {
        return queue;
    }

    /** Jobs a worker holds. */
    public String processing() {
        return queue + ":processing";
    }

    public String completed() {
        return queue + ":completed";
    }

    /** Jobs that failed for good: the dead-letter list. */
    public String failed() {
        return queue + ":failed";
    }

    /**
     * Leases on jobs in processing: a sorted set whose member is the job's exact JSON in the processing list and whose
     * score is the time (epoch ms) the lease runs out unless its worker renews it.
     */
    public String leases() {
        return queue + ":leases";
    }

    /** The key that holds the jobs of one queue type (the lists the API shows). */
    public String of(QueueType type) {
        return switch (type) {
            case QUEUED -> queued();
            case PROCESSING -> processing();
            case COMPLETED -> completed();
            case FAILED -> failed();
        };
    }
}
