package io.jobqueue.worker;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

import io.jobqueue.events.JobEvents;
import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.RetryPolicy;
import io.jobqueue.redis.JobStore;
import org.apache.camel.AsyncCallback;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.Processor;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.support.AsyncProcessorSupport;
import org.apache.camel.util.concurrent.SynchronousExecutorService;

/**
 * What flows where for a job taken by a worker:
 * <pre>
 *   jobqueue:job_queue     take and reserve: queued -> reserved (a batch at a time; one exchange per job, body: ReservedJob)
 *     start                jobStore.start             reserved -> processing (and its 'processing' event)
 *     run                  jobRunner.run              the task route or the default processor, within the job's timeout
 *     choice
 *       succeeded          jobStore.moveToCompleted   processing -> completed
 *       retry is due       jobStore.moveToDelayed     processing -> delayed (back in the queue after a backoff)
 *       otherwise          jobStore.moveToFailed      processing -> failed
 *     wireTap -> jobevents 'completed' | 'retrying' | 'failed'
 * </pre>
 * Where events are published: the outcome of a run ('completed', 'retrying', 'failed') by this route's wireTap,
 * after the move it announces (the lists are the truth, events are notifications); every other status change
 * (queued, processing, stalled, handed back, retried by hand, failed by a reaper) inside the script that makes it,
 * so that a job's 'processing' is out before anything can make it stall. The wireTap runs in the worker's own thread
 * (a synchronous executor) so that a job's events keep their order.
 * <p>
 * The start is recorded before the job runs, except for tiny jobs (under 2 ms on average), which run while their
 * start is in flight (it lands within a round trip; the round trip would cost more than the job). A finishing move
 * always follows its start. When Redis cannot be reached, a transition is retried with backoff ({@link RetryingMove})
 * until it can, while the worker keeps the job; the heartbeat keeps it this process's meanwhile.
 * <p>
 * Each step calls its bean directly: every job passes here, and Camel's reflective bean binding cost more per job
 * than the Redis round trip it wraps.
 */
public final class WorkerRoutes extends RouteBuilder {

    private static final String JOB_EVENTS = "jobevents:{{jobqueue.events-channel}}";
    /** Exchange property: the future of the job's start (the job as started, or null if it was no longer this worker's). */
    private static final String START_RECORDED = "JobQueueStarted";

    private final JobRunner jobRunner;
    private final JobStore jobStore;
    private final RetryPolicy retryPolicy;

    public WorkerRoutes(JobRunner jobRunner, JobStore jobStore, RetryPolicy retryPolicy) {
        this.jobRunner = jobRunner;
        this.jobStore = jobStore;
        this.retryPolicy = retryPolicy;
    }

    @Override
    public void configure() {
        from("jobqueue:{{jobqueue.queue-name}}")
                .routeId("worker")
                .process(this::start).id("start")
                .process(body(Job.class, jobRunner::run)).id("run")
                .choice()
                    .when(attempt(Attempt::succeeded)).process(transition(jobStore::finishCompleted)).id("complete")
                    .when(attempt(retryPolicy::shouldRetry)).process(transition(attempt ->
                            jobStore.finishDelayed(attempt, retryPolicy.delayMs(attempt.job().attempts() + 1)))).id("retry-later")
                    .otherwise().process(transition(jobStore::finishFailed)).id("fail")
                .end()
                .filter(body().isNotNull()) // null: the job was no longer this run's; another worker owns it now
                    .wireTap(JOB_EVENTS).executorService(new SynchronousExecutorService()).id("finished-event").end();
    }

    /**
     * reserved -> processing. The body becomes the job as started; the exchange stops here when the job is no longer
     * this worker's (its process was taken for dead and the job went back to the queue).
     */
    private void start(Exchange exchange) {
        ReservedJob reserved = exchange.getMessage().getBody(ReservedJob.class);
        String workerId = exchange.getProperty(JobQueueConsumer.WORKER_ID, String.class);
        Job started = reserved.job().started(workerId, System.currentTimeMillis());
        CompletableFuture<Job> recorded = RetryingMove.run(() -> jobStore.start(workerId, reserved.taken(), started),
                getContext()::isStopping);
        exchange.setProperty(START_RECORDED, recorded);
        if (exchange.getProperty(JobQueueConsumer.WAIT_FOR_START, Boolean.class) && recorded.join() == null) {
            exchange.setRouteStop(true);
            return;
        }
        exchange.getMessage().setBody(started.asStored());
    }

    /** A step that replaces the body with {@code step(body)}. */
    private static <T> Processor body(Class<T> type, Function<T, Object> step) {
        return exchange -> {
            Message message = exchange.getMessage();
            message.setBody(step.apply(message.getBody(type)));
        };
    }

    /**
     * A transition step: the body (the Attempt) becomes the job as moved, or null when it is no longer this run's. The
     * move follows the job's start, and is group-committed with other workers' moves; meanwhile the worker thread is
     * free for its next job, and the rest of this route runs when the move is done (Camel's asynchronous routing), on
     * the thread of the group commit: so the move and its event are made here first, and that thread only sends.
     */
    private Processor transition(Function<Attempt, JobStore.Finish> step) {
        return new AsyncProcessorSupport() {
            @Override
            @SuppressWarnings("unchecked")
            public boolean process(Exchange exchange, AsyncCallback callback) {
                JobStore.Finish finish = step.apply(exchange.getMessage().getBody(Attempt.class));
                exchange.setProperty(JobEvents.READY, finish.event());
                CompletableFuture<Job> started = exchange.getProperty(START_RECORDED, CompletableFuture.class);
                started.thenCompose(job -> job == null ? CompletableFuture.completedFuture(null)
                                : RetryingMove.run(finish::submit, getContext()::isStopping))
                        .whenComplete((job, error) -> {
                            if (error != null) {
                                exchange.setException(error instanceof java.util.concurrent.CompletionException
                                        && error.getCause() != null ? error.getCause() : error);
                            } else {
                                exchange.getMessage().setBody(job);
                            }
                            callback.done(false);
                        });
                return false;
            }
        };
    }

    private static org.apache.camel.Predicate attempt(Predicate<Attempt> test) {
        return exchange -> test.test(exchange.getMessage().getBody(Attempt.class));
    }
}
