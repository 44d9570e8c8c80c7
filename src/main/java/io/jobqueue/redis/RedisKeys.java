package io.jobqueue.redis;

/**
 * Every Redis key and channel name, built from the queue name in one place. With the default name these are the
 * seed's keys: {@code job_queue}, {@code job_queue:processing}, {@code job_queue:completed}, {@code job_queue:failed},
 * and the channel {@code job_status}; the keys this system adds follow the same pattern.
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

    /** Jobs waiting out a retry backoff: a sorted set, scored by the time (epoch ms) they are due back in the queue. */
    public String delayed() {
        return queue + ":delayed";
    }

    /**
     * Leases on jobs in processing: a sorted set whose member is the job's exact JSON in the processing list and whose
     * score is the time (epoch ms) the lease runs out unless its worker renews it.
     */
    public String leases() {
        return queue + ":leases";
    }

    /** Values the reaper has seen in processing without a lease, scored by when it first saw them. */
    public String unleased() {
        return queue + ":unleased";
    }

    /**
     * The ids of queued jobs whose 'queued' event is out. A job that another client LPUSHed is not among them, so the
     * worker that takes it announces it first; the set holds about one id per queued job.
     */
    public String announced() {
        return queue + ":announced";
    }

    /** The key that holds the jobs of one queue type (what the API lists). */
    public String of(QueueType type) {
        return switch (type) {
            case QUEUED -> queued();
            case PROCESSING -> processing();
            case COMPLETED -> completed();
            case FAILED -> failed();
            case DELAYED -> delayed();
        };
    }
}
