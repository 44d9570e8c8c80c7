package io.jobqueue.redis;

import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.BlockingQueue;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.LinkedBlockingQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.function.Function;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.QueryTimeoutException;

/**
 * Group commit: callers hand in one item each; a single flusher thread takes everything that has arrived since its
 * last run and hands it to {@code flush} in one call (one Redis round trip), then gives each caller its own result.
 * Under load one round trip serves many jobs; with a single caller a call costs one thread handoff. Nothing waits
 * for a batch to fill: a batch is whatever is there when the previous one is done.
 *
 * @param <I> what a caller hands in
 * @param <R> what a caller gets back
 */
public final class Batcher<I, R> extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(Batcher.class);

    private final String name;
    private final int maxBatch;
    private final long callTimeoutMs;
    private final Function<List<I>, List<R>> flush;
    private final BlockingQueue<Call<I, R>> pending = new LinkedBlockingQueue<>();
    private volatile Thread flusher;
    /**
     * Gives each batch's callers their results, so that the flusher sends the next batch meanwhile: what callers chain
     * on a result (a worker route's next steps) would otherwise hold up every call behind it.
     */
    private ExecutorService handback;

    /**
     * @param flush runs one batch and returns one result per item, in order; an exception fails every call in the batch
     */
    public Batcher(String name, int maxBatch, long callTimeoutMs, Function<List<I>, List<R>> flush) {
        this.name = name;
        this.maxBatch = maxBatch;
        this.callTimeoutMs = callTimeoutMs;
        this.flush = flush;
    }

    /** Hands in an item and waits for its result; a failure of its batch is rethrown here. */
    public R call(I item) {
        CompletableFuture<R> result = submit(item);
        try {
            return result.get(callTimeoutMs, TimeUnit.MILLISECONDS);
        } catch (ExecutionException e) {
            throw e.getCause() instanceof RuntimeException runtime ? runtime : new IllegalStateException(e.getCause());
        } catch (TimeoutException e) {
            throw new QueryTimeoutException(name + ": no answer from Redis within " + callTimeoutMs + " ms");
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(name + ": interrupted while waiting for Redis");
        }
    }

    /** Hands in an item without waiting for it. */
    public CompletableFuture<R> submit(I item) {
        if (!isStarted()) {
            throw new IllegalStateException(name + " is not running");
        }
        Call<I, R> call = new Call<>(item, new CompletableFuture<>());
        pending.add(call);
        return call.result;
    }

    @Override
    protected void doStart() {
        handback = Executors.newSingleThreadExecutor(runnable -> {
            Thread thread = new Thread(runnable, name + "-done");
            thread.setDaemon(true);
            return thread;
        });
        Thread thread = new Thread(this::runFlusher, name);
        thread.setDaemon(true);
        flusher = thread;
        thread.start();
    }

    /** Stops after flushing what callers have already handed in. */
    @Override
    protected void doStop() throws InterruptedException {
        Thread thread = flusher;
        flusher = null;
        if (thread != null) {
            thread.interrupt();
            thread.join(callTimeoutMs);
        }
        handback.shutdown();
        handback.awaitTermination(callTimeoutMs, TimeUnit.MILLISECONDS);
    }

    private void runFlusher() {
        List<Call<I, R>> batch = new ArrayList<>(maxBatch);
        while (flusher != null || !pending.isEmpty()) {
            try {
                Call<I, R> first = flusher != null ? pending.take() : pending.poll();
                if (first == null) {
                    break;
                }
                batch.add(first);
                pending.drainTo(batch, maxBatch - 1);
                flushBatch(batch);
            } catch (InterruptedException e) {
                // stop() interrupts the wait; the loop drains what is left before ending
            } finally {
                batch.clear();
            }
        }
    }

    private void flushBatch(List<Call<I, R>> batch) {
        List<I> items = new ArrayList<>(batch.size());
        List<Call<I, R>> calls = List.copyOf(batch);
        for (Call<I, R> call : calls) {
            items.add(call.item);
        }
        try {
            List<R> results = flush.apply(items);
            handback.execute(() -> {
                for (int i = 0; i < calls.size(); i++) {
                    calls.get(i).result.complete(results == null ? null : results.get(i));
                }
            });
        } catch (RuntimeException e) {
            LOG.debug("{}: a batch of {} failed: {}", name, calls.size(), e.toString());
            handback.execute(() -> {
                for (Call<I, R> call : calls) {
                    call.result.completeExceptionally(e);
                }
            });
        }
    }

    private record Call<I, R>(I item, CompletableFuture<R> result) {
    }
}
