package io.jobqueue.worker;

import java.nio.charset.StandardCharsets;
import java.util.Optional;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.ProducerTemplate;
import org.apache.camel.support.DefaultExchange;

/**
 * Runs a job's processing logic once: the task route named by {@code data.task} when there is one
 * ({@link TaskRoutes}), else the default processor. The logic gets the job's data as the body (a Map for a JSON
 * object) and the headers {@code JobId}, {@code JobAttempt} and {@code JobWorkerId}; its reply becomes the job's
 * {@code result}. Anything it throws, {@link Error}s included, becomes the attempt's error: a job never takes its
 * worker down with it.
 */
public final class JobRunner {

    public static final String JOB_ID = "JobId";
    public static final String JOB_ATTEMPT = "JobAttempt";
    public static final String JOB_WORKER_ID = "JobWorkerId";

    private final CamelContext camel;
    private final TaskRoutes taskRoutes;
    private final Processor defaultProcessor;
    private final ProducerTemplate producer;

    public JobRunner(CamelContext camel, TaskRoutes taskRoutes, Processor defaultProcessor) {
        this.camel = camel;
        this.taskRoutes = taskRoutes;
        this.defaultProcessor = defaultProcessor;
        this.producer = camel.createProducerTemplate();
    }

    public Attempt run(Job job) {
        if (job.invalidReason() != null) {
            return Attempt.rejected(job, job.invalidReason());
        }
        Exchange task = new DefaultExchange(camel);
        task.getMessage().setBody(JobJson.MAPPER.convertValue(job.data(), Object.class));
        task.getMessage().setHeader(JOB_ID, job.id());
        task.getMessage().setHeader(JOB_ATTEMPT, job.attempts() + 1);
        task.getMessage().setHeader(JOB_WORKER_ID, job.text("workerId"));
        try {
            Optional<Endpoint> route = taskRoutes.find(job.task());
            if (route.isPresent()) {
                producer.send(route.get(), task);
            } else {
                defaultProcessor.process(task);
            }
        } catch (Throwable e) {
            task.setException(e);
        }
        Throwable error = task.getException();
        if (error != null) {
            return Attempt.failed(job, describe(error));
        }
        return Attempt.succeeded(job, resultOf(task.getMessage().getBody()));
    }

    static String describe(Throwable error) {
        String message = error.getMessage();
        return message == null || message.isBlank() ? error.getClass().getSimpleName() : message;
    }

    /**
     * The reply as JSON: a Map, List, number or boolean as itself; text that holds a JSON object or array as that
     * JSON; any other text as a string.
     */
    static JsonNode resultOf(Object body) {
        if (body == null) {
            return JsonNodeFactory.instance.nullNode();
        }
        if (body instanceof JsonNode node) {
            return node;
        }
        if (body instanceof byte[] bytes) {
            body = new String(bytes, StandardCharsets.UTF_8);
        }
        if (body instanceof String text) {
            String trimmed = text.trim();
            if (trimmed.startsWith("{") || trimmed.startsWith("[")) {
                try {
                    return JobJson.read(trimmed);
                } catch (JobJson.InvalidJsonException notJson) {
                    // plain text that happens to start with a bracket
                }
            }
            return JsonNodeFactory.instance.textNode(text);
        }
        try {
            return JobJson.MAPPER.valueToTree(body);
        } catch (IllegalArgumentException notMappable) {
            return JsonNodeFactory.instance.textNode(body.toString());
        }
    }
}
