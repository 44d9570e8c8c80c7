package io.jobqueue.testing;

import java.time.Duration;
import java.util.function.BooleanSupplier;

/** Polls a condition until it holds or the time is up (no fixed sleeps in tests). */
public final class Await {

    private Await() {
    }

    public static boolean until(BooleanSupplier condition) throws InterruptedException {
        return until(condition, Duration.ofSeconds(20));
    }

    public static boolean until(BooleanSupplier condition, Duration timeout) throws InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.getAsBoolean()) {
                return true;
            }
            Thread.sleep(20);
        }
        return condition.getAsBoolean();
    }
}
