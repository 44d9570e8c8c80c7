package io.jobqueue.worker;

import java.util.ArrayDeque;
import java.util.ArrayList;
import java.util.Deque;
import java.util.List;
import java.util.concurrent.locks.ReentrantLock;

/**
 * One worker thread's place: the jobs it has reserved and will start next, in order, and the job it runs now. The
 * thread takes its next job from here, and the hand-back duty may take the waiting ones away from it (they go back to
 * the queue when the job in front of them runs too long), so both go through one lock.
 */
final class WorkerSlot {

    final int number;
    private final Deque<ReservedJob> waiting = new ArrayDeque<>();
    private final ReentrantLock lock = new ReentrantLock();
    private ReservedJob running;
    private long runningSinceNanos;
    /** The worker id whose reserved list holds this slot's jobs (it changes when the process takes a new identity). */
    volatile String workerId;
    /** Set when a take failed: the reply may have been lost after Redis moved jobs, so the reserved list is read first. */
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

    /** The next job to run, now marked running; null when none is waiting. */
    ReservedJob startNext() {
        lock.lock();
        try {
            running = waiting.poll();
            runningSinceNanos = System.nanoTime();
            return running;
        } finally {
            lock.unlock();
        }
    }

    void finishedRunning() {
        lock.lock();
        try {
            running = null;
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

    /** The waiting jobs, taken away from this slot when the job running has run longer than {@code afterNanos}. */
    List<ReservedJob> takeWaitingIfStuck(long afterNanos) {
        lock.lock();
        try {
            if (running == null || waiting.isEmpty() || System.nanoTime() - runningSinceNanos < afterNanos) {
                return List.of();
            }
            return drainWaiting();
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

    /** Jobs that could not be handed back, waiting again at the front, in their order. */
    void putBack(List<ReservedJob> jobs) {
        lock.lock();
        try {
            for (int i = jobs.size() - 1; i >= 0; i--) {
                waiting.addFirst(jobs.get(i));
            }
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
