package io.jobqueue.worker;

import java.util.concurrent.CompletableFuture;
import java.util.concurrent.CompletionException;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import java.util.function.Supplier;

import io.jobqueue.job.Job;
import io.jobqueue.redis.RedisSetup;

/**
 * A job's start or move, run again with backoff (100 ms doubling up to 5 s) while Redis cannot be reached or refuses
 * for a while (out of memory, loading), until it is done or the process stops; meanwhile the worker keeps the job, and
 * the heartbeat keeps it this process's. Running a transition again is safe: each script finds a move it already made
 * under the job's run token and reports it done.
 * <p>
 * This is done here rather than with a Camel onException redelivery: a route with redelivery makes a defensive copy
 * of the exchange at every step of every job, and that copy was a tenth of a worker's time.
 */
final class RetryingMove {

    private static final long FIRST_PAUSE_MS = 100;
    private static final long MAX_PAUSE_MS = 5000;

    private RetryingMove() {
    }

    static CompletableFuture<Job> run(Supplier<CompletableFuture<Job>> move, BooleanSupplier stopping) {
        CompletableFuture<Job> result = new CompletableFuture<>();
        attempt(move, stopping, result, FIRST_PAUSE_MS);
        return result;
    }

    private static void attempt(Supplier<CompletableFuture<Job>> move, BooleanSupplier stopping,
                                CompletableFuture<Job> result, long pauseMs) {
        CompletableFuture<Job> moved;
        try {
            moved = move.get();
        } catch (RuntimeException e) {
            moved = CompletableFuture.failedFuture(e);
        }
        moved.whenComplete((job, error) -> {
            Throwable cause = error instanceof CompletionException && error.getCause() != null ? error.getCause() : error;
            if (cause == null) {
                result.complete(job);
            } else if (RedisSetup.isTransient(cause) && !stopping.getAsBoolean()) {
                CompletableFuture.delayedExecutor(pauseMs, TimeUnit.MILLISECONDS)
                        .execute(() -> attempt(move, stopping, result, Math.min(MAX_PAUSE_MS, pauseMs * 2)));
            } else {
                result.completeExceptionally(cause);
            }
        });
    }
}
