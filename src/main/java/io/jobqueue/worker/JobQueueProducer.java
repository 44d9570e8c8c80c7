package io.jobqueue.worker;

import java.time.Instant;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import io.jobqueue.redis.JobStore;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/**
 * Enqueues the message body as a new job's {@code data} (a JSON object: JSON text, a Map or a JsonNode), publishes
 * its 'queued' event, and replies with the job's JSON and its id in the {@code JobId} header.
 * Per-job options come from headers: {@code JobMaxAttempts} (1-1000) and {@code JobTimeoutMs} (1 or more); they are
 * stored in the job as {@code maxAttempts} and {@code timeoutMs}, so a job pushed by another client can carry them too.
 */
public final class JobQueueProducer extends DefaultProducer {

    public static final String JOB_ID = "JobId";
    public static final String MAX_ATTEMPTS = "JobMaxAttempts";
    public static final String TIMEOUT_MS = "JobTimeoutMs";

    private final JobStore store;

    JobQueueProducer(JobQueueEndpoint endpoint, JobStore store) {
        super(endpoint);
        this.store = store;
    }

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        JsonNode data = JobData.of(message.getBody());
        Job job = Job.create(data, Instant.now());
        job = withOption(job, "maxAttempts", message.getHeader(MAX_ATTEMPTS, String.class), 1000);
        job = withOption(job, "timeoutMs", message.getHeader(TIMEOUT_MS, String.class), Long.MAX_VALUE);
        job = store.enqueue(job);
        message.setBody(job.json());
        message.setHeader(JOB_ID, job.id());
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    private static Job withOption(Job job, String name, String value, long max) {
        if (value == null || value.isBlank()) {
            return job;
        }
        long number;
        try {
            number = Long.parseLong(value.trim());
        } catch (NumberFormatException e) {
            number = 0;
        }
        if (number < 1 || number > max) {
            throw new IllegalArgumentException(name + " must be a whole number from 1" + (max < Long.MAX_VALUE ? " to " + max : "")
                    + ", got '" + value + "'");
        }
        return job.with(name, number);
    }

    /** A job's data from a message body; it must be a JSON object, as in the seed. */
    static final class JobData {
        private JobData() {
        }

        static JsonNode of(Object body) {
            JsonNode data;
            if (body instanceof JsonNode node) {
                data = node;
            } else if (body instanceof String text) {
                data = JobJson.read(text);
            } else if (body instanceof byte[] bytes) {
                data = JobJson.read(new String(bytes, java.nio.charset.StandardCharsets.UTF_8));
            } else if (body == null) {
                throw new JobJson.InvalidJsonException("the body is empty: send a JSON object");
            } else {
                data = JobJson.MAPPER.valueToTree(body);
            }
            if (!data.isObject()) {
                throw new JobJson.InvalidJsonException("a job's data must be a JSON object, got "
                        + data.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
            }
            return data;
        }
    }
}
