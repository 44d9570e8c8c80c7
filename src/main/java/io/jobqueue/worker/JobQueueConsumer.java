package io.jobqueue.worker;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.ScheduledExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.jobqueue.JobQueueSettings;
import io.jobqueue.duties.Heartbeat;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobStates;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.WorkerTakenForDead;
import io.jobqueue.redis.RedisSetup;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one process: {@code concurrency} threads, each looping take -> reserve -> run one exchange per job.
 * <ul>
 * <li>take: jobs move from the queue to the thread's own reserved list, byte for byte (BLMOVE when the queue is empty,
 * so an idle worker costs nothing; a group-committed script when it is deep, as many as the thread can start within
 * a few milliseconds, see {@link BatchSize}, up to its share of {@code max-batch});</li>
 * <li>reserve: the taken jobs are claimed under run tokens, and copies of jobs held elsewhere are dropped unrun;</li>
 * <li>each job then goes through the worker route ({@link WorkerRoutes}: start, run, move), one at a time.</li>
 * </ul>
 * Jobs taken but not started are the thread's alone and are not 'processing': if the process dies they go back to
 * the queue as they were. When a job runs longer than {@code hand-back-after-ms}, the jobs waiting behind it go back
 * to the queue for other workers. A take whose reply was lost (a timeout, a dropped connection) may have moved jobs:
 * the thread reads its reserved list before taking again.
 * <p>
 * On stop, workers take nothing more, finish the job in hand, and give back the jobs they took but did not start;
 * a job still running when the shutdown timeout ends is handed back to the queue at once.
 */
final class JobQueueConsumer extends DefaultConsumer {

    /** Exchange property: the id of the worker thread that runs the job. */
    static final String WORKER_ID = "JobQueueWorkerId";
    /** Exchange property: whether the job may run only once its start is recorded in Redis (not for tiny jobs). */
    static final String WAIT_FOR_START = "JobQueueWaitForStart";

    private static final Logger LOG = LoggerFactory.getLogger(JobQueueConsumer.class);

    private final JobStore store;
    private final Heartbeat heartbeat;
    private final WorkerIdentity identity;
    private final JobQueueSettings.Worker settings;
    private final long maxJobBytes;
    private final int concurrency;
    private final Duration pollTimeout;
    private volatile boolean stopping;
    private ExecutorService threads;
    private ScheduledExecutorService handBack;
    private List<WorkerSlot> slots;
    private BatchSize batchSize; // one for all the threads: they learn how long jobs take together
    private Semaphore finishing; // jobs run whose final move is not done yet

    JobQueueConsumer(JobQueueEndpoint endpoint, Processor processor, JobStore store, Heartbeat heartbeat,
                     WorkerIdentity identity, JobQueueSettings.Worker settings, long maxJobBytes, int concurrency) {
        super(endpoint, processor);
        this.store = store;
        this.heartbeat = heartbeat;
        this.identity = identity;
        this.settings = settings;
        this.maxJobBytes = maxJobBytes;
        this.concurrency = concurrency;
        this.pollTimeout = Duration.ofSeconds(settings.pollTimeoutSeconds());
        heartbeat.onNewIdentity(this::dropWaitingJobs);
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        stopping = false;
        batchSize = new BatchSize(settings.maxBatch());
        finishing = new Semaphore(finishingLimit());
        slots = new ArrayList<>();
        for (int i = 1; i <= concurrency; i++) {
            slots.add(new WorkerSlot(i));
        }
        heartbeat.workersStarted(concurrency);
        threads = getEndpoint().getCamelContext().getExecutorServiceManager().newFixedThreadPool(this, "worker", concurrency);
        for (WorkerSlot slot : slots) {
            threads.execute(() -> work(slot));
        }
        handBack = Executors.newSingleThreadScheduledExecutor(task -> {
            Thread thread = new Thread(task, "hand-back");
            thread.setDaemon(true);
            return thread;
        });
        long every = Math.max(50, Math.min(500, settings.handBackAfterMs() / 4));
        handBack.scheduleWithFixedDelay(this::handBackJobsWaitingBehindLongOnes, every, every, TimeUnit.MILLISECONDS);
        LOG.info("{} workers taking jobs from '{}' (worker ids {}-1..{})", concurrency, store.keys().queued(),
                identity.processId(), concurrency);
    }

    @Override
    protected void doStop() throws Exception {
        stopping = true;
        if (handBack != null) {
            handBack.shutdownNow();
            handBack = null;
        }
        if (threads != null) {
            threads.shutdown();
            // jobs in hand may run on for the shutdown timeout; whatever still runs then goes back to the queue at once
            long deadline = System.nanoTime() + TimeUnit.MILLISECONDS.toNanos(settings.shutdownTimeoutMs());
            while (slots.stream().anyMatch(WorkerSlot::isRunning) && System.nanoTime() < deadline) {
                threads.awaitTermination(50, TimeUnit.MILLISECONDS);
            }
            handBackRunningJobs();
            // idle threads come back from their blocking take within its timeout
            if (!threads.awaitTermination(pollTimeout.plusSeconds(3).toMillis(), TimeUnit.MILLISECONDS)) {
                threads.shutdownNow();
                threads.awaitTermination(5, TimeUnit.SECONDS);
            }
            if (!finishing.tryAcquire(finishingLimit(), settings.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) {
                LOG.warn("The last moves of finished jobs were not done in time; a reaper returns those jobs to the "
                        + "queue once this process's heartbeat has run out");
            }
            for (WorkerSlot slot : slots) {
                giveBackReserved(slot);
            }
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(threads);
            threads = null;
        }
        super.doStop();
    }

    private void work(WorkerSlot slot) {
        Backoff backoff = new Backoff(100, 5000);
        Taken unreserved = null; // taken, reservation not yet confirmed (kept with its run tokens)
        while (!stopping) {
            ReservedJob next = slot.startNext();
            if (next != null) {
                run(slot, next);
                continue;
            }
            try {
                if (unreserved == null) {
                    unreserved = take(slot);
                }
                if (!unreserved.jobs().isEmpty()) {
                    reserve(slot, unreserved);
                }
                unreserved = null;
                backoff.reset();
            } catch (WorkerTakenForDead e) {
                slot.recover = true;
                if (heartbeat.isRegistered()) {
                    // registered as far as the heartbeat knows, but a reaper has buried it (else: registering, wait)
                    heartbeat.registrationLost(WorkerIdentity.processOf(e.workerId()));
                }
                if (!stopping) {
                    backoff.pause(LOG, slot.workerId + " waits for its process to be registered", e);
                }
            } catch (RuntimeException | StackOverflowError e) {
                if (unreserved == null) {
                    slot.recover = true;
                }
                if (!stopping) {
                    backoff.pause(LOG, slot.workerId + " cannot take jobs", e);
                }
            }
        }
    }

    /** Values a slot took or read again, each with its run token; {@code again}: read from its list after a failed take. */
    private record Taken(List<ReservedJob> jobs, boolean again) {
    }

    /**
     * Takes jobs into the slot's reserved list and reads them; after a failed take (or at start), reads what the list
     * holds instead (see {@link JobStore#recover}), once none of the slot's jobs is on its way through the route (their
     * values would be in the list too until their start lands).
     */
    private Taken take(WorkerSlot slot) {
        String workerId = identity.workerId(slot.number);
        if (slot.workerId != null && !slot.workerId.equals(workerId)) {
            // the process took a new identity: whatever the old one's list still holds goes back, unstarted
            store.releaseReserved(slot.workerId, store.reservedValues(slot.workerId));
            slot.recover = true;
        }
        slot.workerId = workerId;
        List<byte[]> taken;
        boolean again = slot.recover;
        if (again) {
            if (!awaitNoneInFlight(slot)) {
                return new Taken(List.of(), true);
            }
            JobStore.Recovered recovered = store.recover(workerId);
            slot.fence = recovered.fence();
            taken = recovered.values();
        } else {
            int share = Math.max(Math.min(settings.maxBatch(), 4), settings.maxBatch() / concurrency);
            taken = store.take(workerId, slot.fence, Math.min(share, batchSize.next()), pollTimeout);
        }
        slot.recover = false;
        List<ReservedJob> read = new ArrayList<>(taken.size());
        Instant now = Instant.now();
        // held under the process the values were taken as, even if it takes a new identity meanwhile
        String process = WorkerIdentity.processOf(workerId);
        for (byte[] value : taken) {
            read.add(new ReservedJob(value, Job.fromTaken(value, maxJobBytes, now).withRun(WorkerIdentity.newRun(process))));
        }
        return new Taken(read, again);
    }

    private static boolean awaitNoneInFlight(WorkerSlot slot) {
        try {
            return slot.awaitNoneInFlight(5000);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    /**
     * Claims taken jobs for the slot; copies of jobs held elsewhere are dropped unrun. Values that are not jobs need no
     * claim. If the process is not registered (taken for dead meanwhile), the values go back to the queue.
     */
    private void reserve(WorkerSlot slot, Taken read) {
        List<ReservedJob> taken = read.jobs();
        List<Job> jobs = new ArrayList<>(taken.size());
        for (ReservedJob reserved : taken) {
            if (reserved.job().invalidReason() == null) {
                jobs.add(reserved.job());
            }
        }
        JobStore.Reserved outcome = jobs.isEmpty() ? new JobStore.Reserved(heartbeat.isRegistered(), List.of())
                : store.reserve(slot.workerId, jobs, read.again());
        if (!outcome.registered()) {
            // taken as a process a reaper took for dead: the values it moved back are the queue's, not ours
            heartbeat.registrationLost(WorkerIdentity.processOf(slot.workerId));
            store.releaseReserved(slot.workerId, taken.stream().map(ReservedJob::taken).toList());
            return;
        }
        List<ReservedJob> mine = new ArrayList<>(taken.size());
        Set<String> ids = new HashSet<>();
        int flag = 0;
        for (ReservedJob reserved : taken) {
            boolean invalid = reserved.job().invalidReason() != null;
            boolean claimed = invalid || outcome.mine().get(flag++);
            if (invalid || (claimed && ids.add(reserved.job().id()))) {
                mine.add(reserved);
            } else {
                LOG.info("Job {} was pushed again while it is held elsewhere, waiting for a retry or finished: "
                        + "the copy is dropped unrun", reserved.job().id());
                store.drop(slot.workerId, reserved.taken());
            }
        }
        slot.addWaiting(mine);
    }

    /**
     * Runs one job through the route. The job's processing runs on this thread; its final move may complete later
     * (it is group-committed), so several jobs may be finishing at once, up to {@link #finishingLimit}.
     */
    private void run(WorkerSlot slot, ReservedJob reserved) {
        finishing.acquireUninterruptibly();
        Exchange exchange = createExchange(false);
        exchange.setProperty(WORKER_ID, slot.workerId);
        exchange.setProperty(WAIT_FOR_START, !batchSize.jobsAreTiny());
        exchange.getMessage().setBody(reserved);
        AsyncCallback finished = doneSync -> {
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("job " + reserved.job().id() + " was not finished; it goes back to "
                        + "the queue if this process dies, or is handed back when it stops", exchange, exchange.getException());
            }
            releaseExchange(exchange, false);
            slot.leftTheRoute();
            finishing.release();
        };
        long started = System.nanoTime();
        try {
            getAsyncProcessor().process(exchange, finished);
        } catch (Throwable e) {
            exchange.setException(e);
            finished.done(true);
        } finally {
            batchSize.record(System.nanoTime() - started);
            slot.finishedRunning();
        }
    }

    /**
     * Finished jobs whose moves may be waiting at once, for the whole process. A bound keeps the processing list,
     * which every finishing move scans, short.
     */
    private int finishingLimit() {
        return Math.max(2 * settings.maxBatch(), 2 * concurrency);
    }

    /** The hand-back duty: jobs reserved behind a job that has run too long go back to the queue for other workers. */
    private void handBackJobsWaitingBehindLongOnes() {
        long afterNanos = TimeUnit.MILLISECONDS.toNanos(settings.handBackAfterMs());
        for (WorkerSlot slot : slots) {
            try {
                slot.handBackIfStuck(afterNanos, waiting -> {
                    long released = store.releaseReserved(slot.workerId, waiting.stream().map(ReservedJob::taken).toList());
                    ReservedJob running = slot.running();
                    LOG.info("Handed {} job(s) back to the queue: they were waiting behind job {}, which has run for over {} ms",
                            released, running == null ? "?" : running.job().id(), settings.handBackAfterMs());
                });
            } catch (RuntimeException e) {
                LOG.debug("Could not hand back the jobs waiting behind a long one ({}); trying again", e.toString());
            }
        }
    }

    /** The process has a new identity: the jobs its slots were waiting to start went back to the queue already. */
    private void dropWaitingJobs() {
        List<WorkerSlot> current = slots;
        if (current != null) {
            current.forEach(WorkerSlot::takeAllWaiting);
        }
    }

    /** At the end of the shutdown timeout: each job still running goes back to the queue, where another worker takes it. */
    private void handBackRunningJobs() {
        for (WorkerSlot slot : slots) {
            ReservedJob running = slot.running();
            if (running == null || running.job().invalidReason() != null) {
                continue;
            }
            Job job = running.job();
            try {
                Job queued = JobStates.handedBack(job);
                if (store.requeue(job, queued, JobEvent.of(queued, System.currentTimeMillis()))) {
                    LOG.warn("Job {} was still running when the shutdown timeout ({} ms) ran out: handed back to the queue",
                            job.id(), settings.shutdownTimeoutMs());
                }
            } catch (RuntimeException e) {
                LOG.warn("Could not hand back job {} ({}); it goes back once this process's heartbeat has run out",
                        job.id(), e.toString());
            }
        }
    }

    /** Whatever is still in the slot's reserved list (taken, never started) goes back to the front of the queue. */
    private void giveBackReserved(WorkerSlot slot) {
        if (slot.workerId == null) {
            return;
        }
        slot.takeAllWaiting();
        try {
            long released = store.releaseReserved(slot.workerId, store.reservedValues(slot.workerId));
            if (released > 0) {
                LOG.info("Gave {} unstarted job(s) back to the queue", released);
            }
        } catch (RuntimeException e) {
            LOG.warn("Could not give back the unstarted jobs of {} ({}); they go back once this process's heartbeat "
                    + "has run out", slot.workerId, RedisSetup.isTransient(e) ? "Redis is unreachable" : e.toString());
        }
    }
}
