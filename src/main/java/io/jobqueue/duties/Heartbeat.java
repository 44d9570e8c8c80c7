package io.jobqueue.duties;

import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;

import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.worker.WorkerIdentity;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Keeps this worker process alive in the eyes of every reaper: it registers the process, then sends one heartbeat per
 * interval (whatever the number of jobs it holds), and deregisters when the process has stopped cleanly. It runs on a
 * thread of its own at high priority, so that busy worker threads, a job that never ends or a long job do not silence
 * it: a live process's jobs are never given away. A process that learns it was taken for dead anyway (it was paused,
 * or cut off from Redis, for longer than the heartbeat timeout) takes a new identity, tells its workers to drop what
 * they held, and registers again.
 * <p>
 * Stopped after the worker routes: during a shutdown it keeps the process alive until every job in hand has
 * finished or been handed back.
 */
public final class Heartbeat extends BackgroundDuty {

    private static final Logger LOG = LoggerFactory.getLogger(Heartbeat.class);

    private final WorkerRegistry registry;
    private final WorkerIdentity identity;
    private final List<Runnable> onNewIdentity = new CopyOnWriteArrayList<>();
    private volatile int threads;
    private volatile boolean registered;

    public Heartbeat(WorkerRegistry registry, WorkerIdentity identity, long intervalMs) {
        super("heartbeat", intervalMs);
        this.registry = registry;
        this.identity = identity;
    }

    /** Runs when the process takes a new identity: what it held under the old one went back to the queue. */
    public void onNewIdentity(Runnable action) {
        onNewIdentity.add(action);
    }

    /** The worker threads of this process (their reserved lists are named after them); registers now if it can. */
    public synchronized void workersStarted(int count) {
        threads = Math.max(threads, count);
        registered = false;
        tryRegister();
    }

    /** Whether this process is registered now (a worker may hold jobs only then). */
    public boolean isRegistered() {
        return registered;
    }

    /**
     * A worker found {@code processId} unregistered: a reaper took it for dead (and gave its jobs away), or Redis lost
     * its data. The process goes on under a new identity, never the old one: records of the jobs the reaper gave back
     * still name the old id as their holder, and as a live id again it would make them look held.
     */
    public synchronized void registrationLost(String processId) {
        if (identity.processId().equals(processId)) {
            takeNewIdentity(processId);
        }
    }

    @Override
    protected int priority() {
        return Thread.MAX_PRIORITY;
    }

    @Override
    protected void doStart() {
        tryRegister();
        super.doStart();
    }

    @Override
    protected synchronized void runOnce() {
        if (!registered) {
            register();
        } else if (!registry.heartbeat(identity.processId())) {
            takeNewIdentity(identity.processId());
        }
    }

    private void takeNewIdentity(String old) {
        identity.renew();
        registered = false;
        LOG.warn("This process was taken for dead (no heartbeat reached Redis for longer than the timeout) and its "
                + "jobs went back to the queue; it goes on as {} (was {}). Results of jobs still running here "
                + "are dropped.", identity.processId(), old);
        onNewIdentity.forEach(Runnable::run);
        tryRegister();
    }

    private void tryRegister() {
        try {
            register();
        } catch (RuntimeException e) {
            LOG.debug("Cannot register this worker process yet: {}", e.toString());
        }
    }

    private void register() {
        registry.register(identity.processId(), Map.of(
                "threads", String.valueOf(threads),
                "started", String.valueOf(System.currentTimeMillis()),
                "pid", String.valueOf(ProcessHandle.current().pid())));
        registered = true;
    }

    @Override
    protected void doStop() throws InterruptedException {
        super.doStop();
        try {
            if (!registry.deregister(identity.processId())) {
                LOG.warn("This process stops while it still holds jobs it could not hand back; they go back to the "
                        + "queue once its heartbeat has run out");
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not deregister this worker process ({}); a reaper does it once its heartbeat has run out",
                    e.toString());
        }
    }
}
