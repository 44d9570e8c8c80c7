package io.jobqueue.duties;

import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.ThreadLocalRandom;
import java.util.concurrent.TimeUnit;

import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A duty a process does in the background, every {@code interval}, on a thread of its own: it starts with the process's
 * services and stops after the worker routes (Camel stops routes first, then services in the reverse order they were
 * added; JobQueueConfiguration states the order). A failing run is logged once per outage and the next run comes as
 * usual: one bad pass never stops a duty. {@link #lastRunNanos()} tells a health check whether it still runs.
 */
public abstract class BackgroundDuty extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(BackgroundDuty.class);

    private final String name;
    private final long intervalMs;
    private final OutageLog outage;
    private ScheduledExecutorService timer;
    private volatile long lastRunNanos = System.nanoTime();

    protected BackgroundDuty(String name, long intervalMs) {
        this.name = name;
        this.intervalMs = Math.max(1, intervalMs);
        this.outage = new OutageLog(LoggerFactory.getLogger(getClass()), name);
    }

    /** One pass of the duty. */
    protected abstract void runOnce();

    /** The thread's priority: a heartbeat must not starve behind busy worker threads. */
    protected int priority() {
        return Thread.NORM_PRIORITY;
    }

    public String name() {
        return name;
    }

    public long intervalMs() {
        return intervalMs;
    }

    /** When the last pass ended (System.nanoTime), whether it succeeded or not. */
    public long lastRunNanos() {
        return lastRunNanos;
    }

    @Override
    protected void doStart() {
        timer = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, name);
            thread.setDaemon(true);
            thread.setPriority(priority());
            return thread;
        });
        // processes started together do not all run their passes in the same millisecond
        long firstDelay = intervalMs / 2 + ThreadLocalRandom.current().nextLong(intervalMs / 2 + 1);
        timer.scheduleWithFixedDelay(this::tick, firstDelay, intervalMs, TimeUnit.MILLISECONDS);
    }

    private void tick() {
        try {
            runOnce();
            outage.succeeded();
        } catch (RuntimeException | Error e) {
            outage.failed(e);
            LOG.debug("{} failed", name, e);
        } finally {
            lastRunNanos = System.nanoTime();
        }
    }

    @Override
    protected void doStop() throws InterruptedException {
        if (timer != null) {
            timer.shutdown();
            if (!timer.awaitTermination(intervalMs + 5000, TimeUnit.MILLISECONDS)) {
                timer.shutdownNow();
            }
            timer = null;
        }
    }
}
