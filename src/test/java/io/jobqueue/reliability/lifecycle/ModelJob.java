package io.jobqueue.reliability.lifecycle;

/**
 * What the model says about one job: where its one instance is, who holds it, and the counts it must carry. Copies of
 * the job (the same JSON pushed twice by another client, or an enqueue sent again after a lost reply) are not here:
 * they are values in the model's queue and reserved lists, with no say over the job, and must be dropped when taken.
 */
final class ModelJob {

    /** Where the job's instance is. */
    enum Where {
        /** In the queue or in a reserved list, held by nobody: the next value of it, of its rev, that a live worker reserves is its. */
        WAITING,
        /** Reserved by a worker of a live process, not started: its value is in that worker's reserved list. */
        RESERVED,
        /** Started: its value is in the processing list and in the held hash of the process its run names. */
        PROCESSING,
        /** Waiting out a retry backoff in the delayed set. */
        DELAYED,
        COMPLETED,
        FAILED
    }

    final String id;
    /** J1, J2, ... in the order the sequence made them: what failure reports name. */
    final String label;
    /** The JSON the job was first pushed as: what a client that pushes it twice pushes again. */
    final String original;

    Where where = Where.WAITING;
    /**
     * The holder, when RESERVED or PROCESSING: the process whose held hash has it (the one its run names), the worker
     * whose list it was reserved from (or "reaper@process" for a reaper's claim), the run token (null: a reaper's claim
     * whose reply was lost, a token nobody knows).
     */
    String process;
    String worker;
    String run;
    /** The value of the instance where there is exactly one: the reserved value, or the JSON in processing, delayed, completed or failed. */
    String value;
    /**
     * The JSON the system last wrote for the job while no one held it (first push, requeue after a stall, hand-back,
     * promotion, retry by hand): a waiting value that differs is an older copy of the job.
     */
    String current;
    /** How many times it was put back in line (JobStates.rev): what its record remembers, and its current JSON says. */
    long rev;
    /** Finished attempts (complete, fail and retry moves that succeeded) since it was last retried by hand. */
    int attempts;
    /** Times its process died while it ran, since it was last retried by hand. */
    int stalls;
    /** Moves to completed or failed since it was last retried by hand: never more than one. */
    int finishes;
    /** DELAYED only: its backoff is certainly over, so the next promotion must move it. */
    boolean dueForSure;

    ModelJob(String id, String label, String original) {
        this.id = id;
        this.label = label;
        this.original = original;
        this.current = original;
    }

    void held(Where where, String process, String worker, String run, String value) {
        this.where = where;
        this.process = process;
        this.worker = worker;
        this.run = run;
        this.value = value;
    }

    void unheld(Where where, String value) {
        held(where, null, null, null, value);
    }

    boolean isFinished() {
        return where == Where.COMPLETED || where == Where.FAILED;
    }

    @Override
    public String toString() {
        return label + "[" + where + (worker == null ? "" : " by " + worker) + ", rev " + rev + ", attempts " + attempts
                + ", stalls " + stalls + "]";
    }
}
