package io.jobqueue.worker;

import java.util.concurrent.CompletableFuture;
import java.util.function.Function;
import java.util.function.Predicate;

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
 *   jobqueue:job_queue     take: queued -> processing (one exchange per job, body: the Job)
 *     wireTap -> jobevents 'processing' (published on job_status)
 *     jobRunner.run        run the task route or the default processor, within the job's timeout (body: Attempt)
 *     choice
 *       succeeded          jobStore.moveToCompleted   processing -> completed
 *       retry is due       jobStore.moveToDelayed     processing -> delayed (back in the queue after a backoff)
 *       otherwise          jobStore.moveToFailed      processing -> failed
 *     wireTap -> jobevents 'completed' | 'retrying' | 'failed'
 * </pre>
 * Events go out after the transition they announce: the lists are the truth, events are notifications. The wireTap
 * runs in the worker's own thread (a synchronous executor) so that a job's events keep their order.
 * <p>
 * When Redis cannot be reached, the transition is retried with backoff (up to 5 s apart, {@link RetryingMove}) until it can, while the
 * worker keeps the job and its lease; on shutdown the retrying stops and the lease returns the job to the queue.
 * <p>
 * Each step calls its bean directly ({@link #body}): every job passes here, and Camel's reflective bean binding cost
 * more per job than the Redis round trip it wraps.
 */
public final class WorkerRoutes extends RouteBuilder {

    private static final String JOB_EVENTS = "jobevents:{{jobqueue.events-channel}}";

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
                .wireTap(JOB_EVENTS).executorService(new SynchronousExecutorService()).end()
                .process(body(Job.class, jobRunner::run))
                .choice()
                    .when(attempt(Attempt::succeeded)).process(transition(jobStore::moveToCompleted))
                    .when(attempt(retryPolicy::shouldRetry)).process(transition(jobStore::moveToDelayed))
                    .otherwise().process(transition(jobStore::moveToFailed))
                .end()
                .filter(body().isNotNull()) // null: the lease was lost and another worker owns the job now
                    .wireTap(JOB_EVENTS).executorService(new SynchronousExecutorService()).end();
    }

    /** A step that replaces the body with {@code step(body)}. */
    private static <T> Processor body(Class<T> type, Function<T, Object> step) {
        return exchange -> {
            Message message = exchange.getMessage();
            message.setBody(step.apply(message.getBody(type)));
        };
    }

    /**
     * A transition step: the body (the Attempt) becomes the job as moved, or null when its lease was lost. The move is
     * group-committed with other workers' moves; meanwhile the worker thread is free for its next job, and the rest
     * of this route runs when the move is done (Camel's asynchronous routing).
     */
    private Processor transition(Function<Attempt, CompletableFuture<Job>> step) {
        return new AsyncProcessorSupport() {
            @Override
            public boolean process(Exchange exchange, AsyncCallback callback) {
                Attempt attempt = exchange.getMessage().getBody(Attempt.class);
                RetryingMove.run(() -> step.apply(attempt), getContext()::isStopping).whenComplete((job, error) -> {
                    if (error != null) {
                        exchange.setException(error);
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
