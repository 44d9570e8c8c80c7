package io.jobqueue.redis;

/**
 * Every Redis key and channel name, built from the queue name in one place. With the default name these are the
 * seed's keys: {@code job_queue}, {@code job_queue:processing}, {@code job_queue:completed}, {@code job_queue:failed},
 * and the channel {@code job_status}; the keys this system adds follow the same pattern.
 * <p>
 * Keys named from a job id or a process id are built inside the scripts from the prefixes here (as BullMQ does),
 * so a script can reach the record of any job it moves.
 */
public record RedisKeys(String queue, String eventsChannel) {

    /** Jobs waiting to run. Producers LPUSH, workers take from the right: first in, first out. */
    public String queued() {
        return queue;
    }

    /** Jobs a worker has started and not finished, rewritten as 'processing'. */
    public String processing() {
        return queue + ":processing";
    }

    /** Finished jobs, newest first, trimmed to their retention. */
    public String completed() {
        return queue + ":completed";
    }

    /** Jobs that failed for good: the dead-letter list, newest first, trimmed to their retention. */
    public String failed() {
        return queue + ":failed";
    }

    /** Jobs waiting out a retry backoff: a sorted set, scored by the time (Redis ms) they are due back in the queue. */
    public String delayed() {
        return queue + ":delayed";
    }

    /**
     * The ids of queued jobs whose 'queued' event is out. A job that another client LPUSHed is not among them, so the
     * worker that takes it announces it first; the set holds about one id per queued job.
     */
    public String announced() {
        return queue + ":announced";
    }

    /**
     * Jobs one worker thread has taken but not started (a list, in the order it will start them). They are nobody
     * else's to run, and not yet 'processing': when the worker's process dies they go back to the queue as they were.
     */
    public String reserved(String workerId) {
        return reservedPrefix() + workerId;
    }

    public String reservedPrefix() {
        return queue + ":reserved:";
    }

    /**
     * A worker thread's take fence: a counter it moves before it reads its reserved list after a failed take, so that
     * a take still on its way to Redis moves nothing into a list its worker no longer reads.
     */
    public String fence(String workerId) {
        return fencePrefix() + workerId;
    }

    public String fencePrefix() {
        return queue + ":fence:";
    }

    /**
     * The record of one job (a hash): its state, and the run and worker that hold it (who may move it, and whether a
     * value pushed again is a copy); kept for the job's retention once it has finished.
     */
    public String job(String id) {
        return jobPrefix() + id;
    }

    public String jobPrefix() {
        return queue + ":job:";
    }

    /** Live worker processes: a sorted set, member = process id, score = when its heartbeat runs out (Redis ms). */
    public String workers() {
        return queue + ":workers";
    }

    /**
     * Worker processes whose heartbeat ran out, scored by when a reaper first saw it (Redis ms): a process is taken for
     * dead only when a later pass still finds it silent, so that one slow Redis call cannot bury a live process.
     */
    public String suspects() {
        return queue + ":suspects";
    }

    /**
     * Worker processes taken for dead, scored by when their reserved lists are emptied once more (Redis ms): a blocking
     * take a buried process had sent may still move a job into one (member = '<process id>|<threads>').
     */
    public String buried() {
        return queue + ":buried";
    }

    /** What a worker process says about itself (a hash: host, pid, threads, started). */
    public String worker(String processId) {
        return workerPrefix() + processId;
    }

    public String workerPrefix() {
        return queue + ":worker:";
    }

    /** The ids of the jobs one worker process has started and not finished (a set): its jobs when it dies. */
    public String held(String processId) {
        return heldPrefix() + processId;
    }

    public String heldPrefix() {
        return queue + ":held:";
    }

    /** The job a POST with an {@code Idempotency-Key} created, kept for the key's time to live. */
    public String idempotencyPrefix() {
        return queue + ":idempotency:";
    }

    /** Values found in processing with no live holder, scored by when they were first seen (Redis ms). */
    public String orphans() {
        return queue + ":orphans";
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
