package io.jobqueue.worker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import java.util.function.Consumer;

/**
 * One worker thread's place: the jobs it has reserved and will start next, in order, the job it runs now, and how
 * many of its jobs are still on their way through the route (their start or final move in flight). The thread takes
 * its next job from here, and the hand-back duty may give the waiting ones back to the queue when the job in front of
 * them runs too long, so both go through one lock.
 */
final class WorkerSlot {

    final int number;
    private final Deque<ReservedJob> waiting = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private final Condition noneInFlight = lock.newCondition();
    private ReservedJob running;
    private long runningSinceNanos;
    private int inFlight;
    /** The worker id whose reserved list holds this slot's jobs (it changes when the process takes a new identity). */
    volatile String workerId;
    /** The take fence this slot takes under (see recoverReserved.lua). */
    volatile long fence;
    /**
     * Set at start and when a take failed: Redis may have moved jobs into the reserved list all the same, so it is read
     * (and the fence moved) before the next take.
     */
    volatile boolean recover = true;

    WorkerSlot(int number) {
        this.number = number;
    }

    void addWaiting(List<ReservedJob> jobs) {
        lock.lock();
        try {
            waiting.addAll(jobs);
        } finally {
            lock.unlock();
        }
    }

    /** The next job to run, now marked running and in flight; null when none is waiting. */
    ReservedJob startNext() {
        lock.lock();
        try {
            running = waiting.poll();
            runningSinceNanos = System.nanoTime();
            if (running != null) {
                inFlight++;
            }
            return running;
        } finally {
            lock.unlock();
        }
    }

    /** The job's processing is over (its final move may still be in flight). */
    void finishedRunning() {
        lock.lock();
        try {
            running = null;
        } finally {
            lock.unlock();
        }
    }

    /** A job of this slot has left the route: its start and final move are done. */
    void leftTheRoute() {
        lock.lock();
        try {
            inFlight--;
            noneInFlight.signalAll();
        } finally {
            lock.unlock();
        }
    }

    /**
     * Waits until none of this slot's jobs is on its way through the route, so that the reserved list holds only jobs
     * the slot has not started. False when that did not happen within {@code timeoutMs}.
     */
    boolean awaitNoneInFlight(long timeoutMs) throws InterruptedException {
        long nanos = TimeUnit.MILLISECONDS.toNanos(timeoutMs);
        lock.lock();
        try {
            while (inFlight > 0) {
                if (nanos <= 0) {
                    return false;
                }
                nanos = noneInFlight.awaitNanos(nanos);
            }
            return true;
        } finally {
            lock.unlock();
        }
    }

    /** The job running now, or null. */
    ReservedJob running() {
        lock.lock();
        try {
            return running;
        } finally {
            lock.unlock();
        }
    }

    /**
     * When the job running has run longer than {@code afterNanos}, hands the waiting jobs to {@code giveBack}, under
     * the lock: the thread cannot start one of them meanwhile, nor read its reserved list while they are on their way
     * back. Those that {@code giveBack} throws on stay waiting. Returns how many were handed back.
     */
    int handBackIfStuck(long afterNanos, Consumer<List<ReservedJob>> giveBack) {
        lock.lock();
        try {
            if (running == null || waiting.isEmpty() || System.nanoTime() - runningSinceNanos < afterNanos) {
                return 0;
            }
            List<ReservedJob> stuck = new ArrayList<>(waiting);
            giveBack.accept(stuck);
            waiting.clear();
            return stuck.size();
        } finally {
            lock.unlock();
        }
    }

    boolean isRunning() {
        lock.lock();
        try {
            return running != null;
        } finally {
            lock.unlock();
        }
    }

    /** Every waiting job, taken away from this slot. */
    List<ReservedJob> takeAllWaiting() {
        lock.lock();
        try {
            return drainWaiting();
        } finally {
            lock.unlock();
        }
    }

    private List<ReservedJob> drainWaiting() {
        List<ReservedJob> drained = new ArrayList<>(waiting);
        waiting.clear();
        return drained;
    }
}
