package io.jobqueue.testing;

import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.locks.LockSupport;

/** The body of the {@code hang} test task: a job that does not stop when its thread is interrupted. */
public final class Uninterruptible {

    /** Sleeps for {@code data.ms}; an interrupt is noted and ignored (and the flag set again at the end). */
    public void sleep(Map<String, Object> data) {
        long until = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(((Number) data.get("ms")).longValue());
        boolean interrupted = false;
        for (long left; (left = until - System.nanoTime()) > 0; ) {
            LockSupport.parkNanos(left);
            interrupted |= Thread.interrupted(); // cleared, so that the next park sleeps again
        }
        if (interrupted) {
            Thread.currentThread().interrupt();
        }
    }
}
