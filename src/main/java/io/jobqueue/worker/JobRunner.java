package io.jobqueue.worker;

import java.nio.charset.StandardCharsets;
import java.util.Optional;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Future;
import java.util.concurrent.Semaphore;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.TimeoutException;
import java.util.concurrent.atomic.AtomicBoolean;

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
 * error, and the worker moves on. An attempt that does not stop when interrupted fails for good (no retry: it may
 * still be running, and a retry would run beside it), and keeps its thread until it ends: at most
 * {@code maxTimedAttempts} such threads exist at once, after which workers wait for one to end before timing more.
 * Without a timeout, the logic runs on the worker's thread (no handoff).
 */
public final class JobRunner {

    public static final String JOB_ID = "JobId";
    public static final String JOB_ATTEMPT = "JobAttempt";
    public static final String JOB_WORKER_ID = "JobWorkerId";

    private final CamelContext camel;
    private final TaskRoutes taskRoutes;
    private final Processor defaultProcessor;
    private final long defaultTimeoutMs;
    /** How long an interrupted attempt has to stop before it counts as one that ignores interruption. */
    static final long STOP_GRACE_MS = 1000;

    private final ProducerTemplate producer;
    private final Semaphore timedAttemptThreads;
    private volatile ExecutorService timedAttempts;

    public JobRunner(CamelContext camel, TaskRoutes taskRoutes, Processor defaultProcessor, long defaultTimeoutMs,
                     int maxTimedAttempts) {
        this.camel = camel;
        this.taskRoutes = taskRoutes;
        this.defaultProcessor = defaultProcessor;
        this.defaultTimeoutMs = defaultTimeoutMs;
        this.producer = camel.createProducerTemplate();
        this.timedAttemptThreads = new Semaphore(Math.max(1, maxTimedAttempts));
    }

    /** Runs the job's logic once. Never throws: whatever goes wrong is the attempt's error. */
    public Attempt run(Job job) {
        if (job.invalidReason() != null) {
            return Attempt.rejected(job, job.invalidReason());
        }
        try {
            Optional<Endpoint> route = taskRoutes.find(job.task());
            Exchange task = new DefaultExchange(camel);
            // a task route gets the data as a Map; the default processor does not read it, so it is not parsed for it
            task.getMessage().setBody(route.isPresent() ? job.dataAsJava() : job.rawField("data"));
            task.getMessage().setHeader(JOB_ID, job.id());
            task.getMessage().setHeader(JOB_ATTEMPT, job.attempts() + 1);
            task.getMessage().setHeader(JOB_WORKER_ID, job.text("workerId"));
            long timeoutMs = job.number("timeoutMs", defaultTimeoutMs);
            if (timeoutMs > 0) {
                return runWithin(job, route, task, timeoutMs);
            }
            Throwable error = runHere(route, task);
            return error != null ? Attempt.failed(job, describe(error)) : succeeded(job, task);
        } catch (RuntimeException | StackOverflowError e) {
            return Attempt.failed(job, describe(e));
        }
    }

    private static Attempt succeeded(Job job, Exchange task) {
        String result;
        try {
            result = resultOf(task.getMessage().getBody());
        } catch (RuntimeException | StackOverflowError e) {
            return Attempt.failed(job, "the result could not be written as JSON: " + describe(e));
        }
        return Attempt.succeeded(job, result);
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

    private Attempt runWithin(Job job, Optional<Endpoint> route, Exchange task, long timeoutMs) {
        CountDownLatch ended = new CountDownLatch(1);
        // whoever sets this first owns the attempt: the pool thread that runs it, or the worker that gives up on it
        // before it started (a cancelled task never runs, so it could not give its permit back itself)
        AtomicBoolean claimed = new AtomicBoolean();
        timedAttemptThreads.acquireUninterruptibly();
        Future<Throwable> attempt;
        try {
            attempt = timedAttempts().submit(() -> {
                if (!claimed.compareAndSet(false, true)) {
                    return null;
                }
                try {
                    return runHere(route, task);
                } finally {
                    ended.countDown();
                    timedAttemptThreads.release();
                }
            });
        } catch (RuntimeException e) {
            timedAttemptThreads.release();
            throw e;
        }
        try {
            Throwable error = attempt.get(timeoutMs, TimeUnit.MILLISECONDS);
            return error != null ? Attempt.failed(job, describe(error)) : succeeded(job, task);
        } catch (TimeoutException e) {
            attempt.cancel(true);
            String timeout = "timeout: the attempt ran longer than " + timeoutMs + " ms";
            if (claimed.compareAndSet(false, true)) {
                timedAttemptThreads.release();
                return Attempt.failed(job, "timeout: the attempt did not start within " + timeoutMs + " ms");
            }
            if (awaitQuietly(ended, STOP_GRACE_MS)) {
                return Attempt.failed(job, timeout);
            }
            return Attempt.rejected(job, timeout + " and did not stop when interrupted; not retried, since it may "
                    + "still be running");
        } catch (ExecutionException e) {
            return Attempt.failed(job, describe(e.getCause()));
        } catch (InterruptedException e) {
            attempt.cancel(true);
            if (claimed.compareAndSet(false, true)) {
                timedAttemptThreads.release();
            }
            Thread.currentThread().interrupt();
            return Attempt.failed(job, "interrupted");
        }
    }

    private static boolean awaitQuietly(CountDownLatch latch, long ms) {
        try {
            return latch.await(ms, TimeUnit.MILLISECONDS);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return false;
        }
    }

    // the number of threads is bounded by timedAttemptThreads: an attempt that ignores interruption keeps its permit
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
