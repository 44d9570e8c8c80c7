package io.jobqueue.worker;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.ObjectJson;
import org.apache.camel.CamelContext;
import org.apache.camel.CamelExecutionException;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.RuntimeCamelException;
import org.apache.camel.support.DefaultExchange;

/**
 * Runs a job's processing logic once: the task route named by {@code data.task} when there is one
 * ({@link TaskRoutes}), else the default processor. The logic gets the job's data as the body (a Map for a JSON
 * object) and the headers {@code JobId}, {@code JobAttempt} and {@code JobWorkerId}; its reply becomes the job's
 * {@code result}. Anything it throws, {@link Error}s included, becomes the attempt's error: a job never takes its
 * worker down with it.
 * <p>
 * With a timeout (the job's {@code timeoutMs}, else {@code jobqueue.job.timeout-ms}), the logic runs on a thread of
 * its own and the worker waits at most that long; an attempt that runs over is interrupted and fails with a timeout
 * error, and the worker moves on. Without one, the logic runs on the worker's thread (no handoff).
 */
public final class JobRunner {

    public static final String JOB_ID = "JobId";
    public static final String JOB_ATTEMPT = "JobAttempt";
    public static final String JOB_WORKER_ID = "JobWorkerId";

    private final CamelContext camel;
    private final TaskRoutes taskRoutes;
    private final Processor defaultProcessor;
    private final long defaultTimeoutMs;
    private final ProducerTemplate producer;
    private volatile ExecutorService timedAttempts;

    public JobRunner(CamelContext camel, TaskRoutes taskRoutes, Processor defaultProcessor, long defaultTimeoutMs) {
        this.camel = camel;
        this.taskRoutes = taskRoutes;
        this.defaultProcessor = defaultProcessor;
        this.defaultTimeoutMs = defaultTimeoutMs;
        this.producer = camel.createProducerTemplate();
    }

    public Attempt run(Job job) {
        if (job.invalidReason() != null) {
            return Attempt.rejected(job, job.invalidReason());
        }
        Optional<Endpoint> route = taskRoutes.find(job.task());
        Exchange task = new DefaultExchange(camel);
        // a task route gets the data as a Map; the default processor does not read it, so it is not parsed for it
        task.getMessage().setBody(route.isPresent() ? job.dataAsJava() : job.rawField("data"));
        task.getMessage().setHeader(JOB_ID, job.id());
        task.getMessage().setHeader(JOB_ATTEMPT, job.attempts() + 1);
        task.getMessage().setHeader(JOB_WORKER_ID, job.text("workerId"));
        long timeoutMs = job.number("timeoutMs", defaultTimeoutMs);
        Throwable error = timeoutMs > 0 ? runWithin(route, task, timeoutMs) : runHere(route, task);
        if (error != null) {
            return Attempt.failed(job, describe(error));
        }
        return Attempt.succeeded(job, resultOf(task.getMessage().getBody()));
    }

    /** Runs the logic on this thread; returns what it threw, or null. */
    private Throwable runHere(Optional<Endpoint> route, Exchange task) {
        try {
            if (route.isPresent()) {
                producer.send(route.get(), task);
            } else {
                defaultProcessor.process(task);
            }
        } catch (Throwable e) {
            task.setException(e);
        }
        return task.getException();
    }

    private Throwable runWithin(Optional<Endpoint> route, Exchange task, long timeoutMs) {
        Future<Throwable> attempt = timedAttempts().submit(() -> runHere(route, task));
        try {
            return attempt.get(timeoutMs, TimeUnit.MILLISECONDS);
        } catch (TimeoutException e) {
            attempt.cancel(true);
            return new TimeoutException("timeout: the attempt ran longer than " + timeoutMs + " ms");
        } catch (ExecutionException e) {
            return e.getCause();
        } catch (InterruptedException e) {
            attempt.cancel(true);
            Thread.currentThread().interrupt();
            return e;
        }
    }

    // attempts that overran keep their thread until they notice the interrupt, so the pool is unbounded
    private ExecutorService timedAttempts() {
        if (timedAttempts == null) {
            synchronized (this) {
                if (timedAttempts == null) {
                    timedAttempts = camel.getExecutorServiceManager().newCachedThreadPool(this, "job-attempt");
                }
            }
        }
        return timedAttempts;
    }

    static String describe(Throwable error) {
        // Camel wraps what a route throws when it is not an Exception (an Error, say); the cause is what happened
        while ((error instanceof CamelExecutionException || error instanceof RuntimeCamelException) && error.getCause() != null) {
            error = error.getCause();
        }
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }

    /**
     * The reply as JSON text: a Map, List, number or boolean as itself; text that holds a JSON object or array as that
     * JSON; any other text as a JSON string; checked JSON text ({@link ObjectJson}) as it is.
     */
    static String resultOf(Object body) {
        if (body instanceof ObjectJson checked) {
            return checked.text();
        }
        if (body instanceof byte[] bytes) {
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        if (body instanceof String text) {
            String trimmed = text.trim();
            if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
                try {
                    return JobJson.write(JobJson.read(trimmed));
                } catch (JobJson.InvalidJsonException notJson) {
                    // plain text that happens to start with a bracket
                }
            }
        }
        if (body instanceof JsonNode node) {
            return JobJson.write(node);
        }
        try {
            return JobJson.write(body);
        } catch (IllegalStateException notMappable) {
            return JobJson.write(String.valueOf(body));
        }
    }
}
