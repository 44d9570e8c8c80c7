package io.jobqueue.worker;

import java.util.function.Predicate;

import io.jobqueue.job.Attempt;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.util.concurrent.SynchronousExecutorService;

/**
 * What flows where for a job taken by a worker:
 * <pre>
 *   jobqueue:job_queue     take: queued -> processing (one exchange per job, body: the Job)
 *     wireTap -> event     'processing'
 *     jobRunner            run the task route, or the default processor (body: the Attempt)
 *     choice
 *       succeeded          jobStore.moveToCompleted   processing -> completed
 *       otherwise          jobStore.moveToFailed      processing -> failed
 *     wireTap -> event     'completed' | 'failed'
 * </pre>
 * Events go out after the transition they announce: the lists are the truth, events are notifications. The wireTap
 * runs in the worker's own thread (a synchronous executor) so that a job's events keep their order.
 */
public final class WorkerRoutes extends RouteBuilder {

    public static final String JOB_EVENTS = "direct:job-event";

    @Override
    public void configure() {
        from("jobqueue:{{jobqueue.queue-name}}")
                .routeId("worker")
                .wireTap(JOB_EVENTS).executorService(new SynchronousExecutorService()).end()
                .bean("jobRunner", "run")
                .choice()
                    .when(attempt(Attempt::succeeded)).bean("jobStore", "moveToCompleted")
                    .otherwise().bean("jobStore", "moveToFailed")
                .end()
                .filter(body().isNotNull()) // null: the lease was lost and another worker owns the job now
                    .wireTap(JOB_EVENTS).executorService(new SynchronousExecutorService()).end();

        from(JOB_EVENTS)
                .routeId("job-events")
                .bean("jobEvents", "publish");
    }

    private static org.apache.camel.Predicate attempt(Predicate<Attempt> test) {
        return exchange -> test.test(exchange.getMessage().getBody(Attempt.class));
    }
}
