package io.jobqueue.worker;

import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.ObjectJson;
import io.jobqueue.redis.JobIntake;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.apache.camel.support.DefaultProducer;

/**
 * Enqueues the message body as a new job's {@code data} (a JSON object: JSON text, a Map or a JsonNode), publishes
 * its 'queued' event, and replies with the job's JSON and its id in the {@code JobId} header. A body that is a List
 * enqueues one job per element, many per round trip, and replies {@code {"count": n, "ids": [...]}}.
 * Per-job options come from headers: {@code JobMaxAttempts} (1-1000) and {@code JobTimeoutMs} (1 or more); they are
 * stored in the job as {@code maxAttempts} and {@code timeoutMs}, so a job pushed by another client can carry them too.
 * With a {@code JobIdempotencyKey} header (one job only), a key already used within {@code jobqueue.api.idempotency-ttl}
 * enqueues nothing: the reply is the job that key made, and {@code JobCreated} is false.
 */
public final class JobQueueProducer extends DefaultProducer {

    public static final String JOB_ID = "JobId";
    public static final String MAX_ATTEMPTS = "JobMaxAttempts";
    public static final String TIMEOUT_MS = "JobTimeoutMs";
    public static final String IDEMPOTENCY_KEY = "JobIdempotencyKey";
    public static final String CREATED = "JobCreated";
    private static final int MAX_IDEMPOTENCY_KEY_CHARS = 200;

    private final JobIntake intake;

    JobQueueProducer(JobQueueEndpoint endpoint, JobIntake intake) {
        super(endpoint);
        this.intake = intake;
    }

    @Override
    public void process(Exchange exchange) {
        Message message = exchange.getMessage();
        Long maxAttempts = option(message, MAX_ATTEMPTS, "maxAttempts", 1000);
        Long timeoutMs = option(message, TIMEOUT_MS, "timeoutMs", Long.MAX_VALUE);
        long now = System.currentTimeMillis();
        Object body = message.getBody();
        if (body instanceof List<?> elements) {
            List<Job> jobs = new ArrayList<>(elements.size());
            for (Object element : elements) {
                jobs.add(newJob(element, now, maxAttempts, timeoutMs));
            }
            List<Job> enqueued = intake.enqueueAll(jobs);
            // written by hand: the ids are ours (plain ASCII), and there may be 100,000 of them
            StringBuilder reply = new StringBuilder(40 + 32 * enqueued.size())
                    .append("{\"count\":").append(enqueued.size()).append(",\"ids\":[");
            for (int i = 0; i < enqueued.size(); i++) {
                reply.append(i == 0 ? "\"" : ",\"").append(enqueued.get(i).id()).append('"');
            }
            message.setBody(reply.append("]}").toString());
        } else {
            JobIntake.Enqueued enqueued = intake.enqueue(newJob(body, now, maxAttempts, timeoutMs), idempotencyKey(message));
            message.setBody(enqueued.job().json());
            message.setHeader(JOB_ID, enqueued.job().id());
            message.setHeader(CREATED, enqueued.created());
        }
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
    }

    private static Job newJob(Object data, long now, Long maxAttempts, Long timeoutMs) {
        Job job = Job.create(dataJson(data), now);
        if (maxAttempts == null && timeoutMs == null) {
            return job;
        }
        Job.Edit edit = job.edit();
        if (maxAttempts != null) {
            edit.set("maxAttempts", maxAttempts);
        }
        if (timeoutMs != null) {
            edit.set("timeoutMs", timeoutMs);
        }
        return edit.done();
    }

    /** A job's data as JSON text; it must be a JSON object, as in the seed. Text is checked, not rebuilt. */
    static String dataJson(Object body) {
        if (body instanceof ObjectJson checked) {
            return checked.text();
        }
        if (body instanceof byte[] bytes) {
            body = JobJson.utf8OrNull(bytes);
            if (body == null) {
                throw new JobJson.InvalidJsonException("the body is not UTF-8 text: send JSON in UTF-8");
            }
        }
        if (body instanceof String text) {
            return JobJson.requireObject(text);
        }
        if (body == null) {
            throw new JobJson.InvalidJsonException("the body is empty: send a JSON object");
        }
        JsonNode data = body instanceof JsonNode node ? node : JobJson.MAPPER.valueToTree(body);
        if (!data.isObject()) {
            throw new JobJson.InvalidJsonException("a job's data must be a JSON object, got "
                    + data.getNodeType().name().toLowerCase(java.util.Locale.ROOT));
        }
        return JobJson.write(data);
    }

    private static String idempotencyKey(Message message) {
        String key = message.getHeader(IDEMPOTENCY_KEY, String.class);
        if (key == null || key.isEmpty()) {
            return null;
        }
        if (key.length() > MAX_IDEMPOTENCY_KEY_CHARS || !key.chars().allMatch(c -> c > 0x20 && c < 0x7f)) {
            throw new IllegalArgumentException("Idempotency-Key must be 1 to " + MAX_IDEMPOTENCY_KEY_CHARS
                    + " printable ASCII characters without spaces");
        }
        return key;
    }

    private static Long option(Message message, String header, String name, long max) {
        String value = message.getHeader(header, String.class);
        if (value == null || value.isBlank()) {
            return null;
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
        return number;
    }
}
