package io.jobqueue.worker;

import java.time.Duration;
import java.util.List;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;

import io.jobqueue.JobQueueSettings;
import io.jobqueue.job.Job;
import io.jobqueue.redis.JobStore;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.support.DefaultConsumer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The workers of one process: {@code concurrency} threads, each looping take -> run one exchange per job. A take is
 * one atomic move from the queue to processing (BLMOVE when the queue is empty, so an idle worker costs nothing),
 * then a second step that rewrites the jobs in place as 'processing' and leases them; both are group-committed
 * across the threads ({@link JobStore}). When the queue is deep a worker takes several jobs per round trip, as many
 * as it can start within a few milliseconds (see {@link BatchSize}), up to its share of {@code max-batch}. On stop,
 * workers take nothing more, finish the job in hand, give back the jobs they took but did not start, and end.
 */
final class JobQueueConsumer extends DefaultConsumer {

    private static final Logger LOG = LoggerFactory.getLogger(JobQueueConsumer.class);

    private final JobStore store;
    private final HeldJobs held;
    private final JobQueueSettings.Worker settings;
    private final int concurrency;
    private final Duration pollTimeout;
    private volatile boolean stopping;
    private ExecutorService threads;
    private BatchSize batchSize; // one for all the threads: they learn how long jobs take together
    private Semaphore finishing; // jobs run whose final move is not done yet

    JobQueueConsumer(JobQueueEndpoint endpoint, Processor processor, JobStore store, HeldJobs held,
                     JobQueueSettings.Worker settings, int concurrency) {
        super(endpoint, processor);
        this.store = store;
        this.held = held;
        this.settings = settings;
        this.concurrency = concurrency;
        this.pollTimeout = Duration.ofSeconds(settings.pollTimeoutSeconds());
    }

    @Override
    protected void doStart() throws Exception {
        super.doStart();
        stopping = false;
        batchSize = new BatchSize(settings.maxBatch());
        finishing = new Semaphore(finishingLimit());
        threads = getEndpoint().getCamelContext().getExecutorServiceManager()
                .newFixedThreadPool(this, "worker", concurrency);
        for (int i = 1; i <= concurrency; i++) {
            String workerId = WorkerIds.PROCESS_PREFIX + "-" + i;
            threads.execute(() -> work(workerId));
        }
        LOG.info("{} workers taking jobs from '{}' (worker ids {}-1..{})", concurrency, store.keys().queued(),
                WorkerIds.PROCESS_PREFIX, concurrency);
    }

    @Override
    protected void doStop() throws Exception {
        stopping = true;
        if (threads != null) {
            threads.shutdown();
            long waitMs = settings.shutdownTimeoutMs() + pollTimeout.toMillis();
            if (!threads.awaitTermination(waitMs, TimeUnit.MILLISECONDS)) {
                LOG.warn("{} job(s) still running after {} ms; they stay leased in processing and go back to the "
                        + "queue when their lease runs out", held.size(), waitMs);
                threads.shutdownNow();
            } else if (!finishing.tryAcquire(finishingLimit(), settings.shutdownTimeoutMs(), TimeUnit.MILLISECONDS)) {
                LOG.warn("The last moves of finished jobs were not done in time; those jobs go back to the queue when "
                        + "their lease runs out");
            }
            getEndpoint().getCamelContext().getExecutorServiceManager().shutdown(threads);
            threads = null;
        }
        super.doStop();
    }

    private void work(String workerId) {
        // the process's max-batch is shared out among its threads: jobs taken but not started wait in processing,
        // where every finishing move scans past them, and where no other worker process can start them. At least 4
        // each, or with many threads each would wake up for every job or two (at concurrency 50: 1.5 thread switches
        // per job with 2 each, 0.8 with 4)
        int share = Math.max(Math.min(settings.maxBatch(), 4), settings.maxBatch() / concurrency);
        Backoff backoff = new Backoff(100, 5000);
        while (!stopping) {
            List<String> taken;
            try {
                taken = store.moveToProcessing(Math.min(share, batchSize.next()), pollTimeout);
                backoff.reset();
            } catch (RuntimeException e) {
                if (!stopping) {
                    backoff.pause(LOG, workerId + " cannot take jobs", e);
                }
                continue;
            }
            List<Job> jobs = taken.isEmpty() ? List.of() : activate(taken, workerId, backoff);
            held.add(jobs);
            for (int i = 0; i < jobs.size(); i++) {
                if (stopping) {
                    giveBack(jobs.subList(i, jobs.size()));
                    break;
                }
                long started = System.nanoTime();
                run(jobs.get(i));
                batchSize.record(System.nanoTime() - started);
            }
        }
    }

    /**
     * Leases what was just taken, trying again while Redis is unreachable: the values are in processing, unleased,
     * and only this worker knows it. If it must stop first, the reaper finds them after a lease's length.
     */
    private List<Job> activate(List<String> taken, String workerId, Backoff backoff) {
        while (true) {
            try {
                List<Job> jobs = store.activate(taken, workerId);
                backoff.reset();
                return jobs;
            } catch (RuntimeException e) {
                if (stopping) {
                    return List.of();
                }
                backoff.pause(LOG, workerId + " cannot lease the jobs it took", e);
            }
        }
    }

    /**
     * Runs one job through the route. The job's processing runs on this thread; its final move may complete later
     * (it is group-committed), so several jobs may be finishing at once, up to {@link #finishingLimit}.
     */
    private void run(Job job) {
        finishing.acquireUninterruptibly();
        Exchange exchange = createExchange(false);
        exchange.getMessage().setBody(job);
        AsyncCallback finished = doneSync -> {
            if (exchange.getException() != null) {
                getExceptionHandler().handleException("job " + job.id() + " was not finished; it stays leased in "
                        + "processing and goes back to the queue when its lease runs out", exchange, exchange.getException());
            }
            held.remove(job);
            releaseExchange(exchange, false);
            finishing.release();
        };
        try {
            getAsyncProcessor().process(exchange, finished);
        } catch (Throwable e) {
            exchange.setException(e);
            finished.done(true);
        }
    }

    /**
     * Finished jobs whose moves may be waiting at once, for the whole process. A bound keeps the processing list,
     * which every finishing move scans, short: with one per thread's batch, at concurrency 50, 5,000 finished jobs
     * queued behind a group commit that had slowed down for scanning past them.
     */
    private int finishingLimit() {
        return Math.max(2 * settings.maxBatch(), 2 * concurrency);
    }

    private void giveBack(List<Job> unstarted) {
        try {
            store.release(unstarted);
            LOG.info("Gave {} unstarted job(s) back to the queue", unstarted.size());
        } catch (RuntimeException e) {
            LOG.warn("Could not give {} unstarted job(s) back to the queue ({}); they go back when their lease runs out",
                    unstarted.size(), e.toString());
        }
        unstarted.forEach(held::remove);
    }
}
