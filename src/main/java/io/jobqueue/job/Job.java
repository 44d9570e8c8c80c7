package io.jobqueue.job;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Iterator;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.JsonNodeFactory;
import com.fasterxml.jackson.databind.node.ObjectNode;

/**
 * One job as it is stored in Redis: the seed's JSON {@code {id, data, createdAt, status, attempts}} plus the fields
 * that later transitions add ({@code workerId}, {@code startedAt}, {@code result}, {@code error}, ...). Fields this
 * class does not know, written by another client, are kept.
 * <p>
 * A Job is immutable: each change gives a new Job. Lists hold jobs by value, so a transition script finds a job by
 * the exact text it is stored as: {@link #stored()} keeps that text beside the job's current {@link #json()}.
 */
public final class Job {

    public static final String QUEUED = "queued";
    public static final String PROCESSING = "processing";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    private static final JsonNodeFactory NODES = JsonNodeFactory.instance;
    private static final char[] BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private final ObjectNode fields;
    private final String stored;
    private String json;

    private Job(ObjectNode fields, String json, String stored) {
        this.fields = fields;
        this.json = json;
        this.stored = stored;
    }

    /** A new job for {@code data}, as the seed's producer makes it: {@code job_<epochMillis>_<random>}, queued, 0 attempts. */
    public static Job create(JsonNode data, Instant now) {
        ObjectNode fields = NODES.objectNode();
        fields.put("id", "job_" + now.toEpochMilli() + "_" + randomSuffix());
        fields.set("data", data);
        fields.put("createdAt", JobJson.timestamp(now));
        fields.put("status", QUEUED);
        fields.put("attempts", 0);
        return new Job(fields, null, null);
    }

    /**
     * Reads a job from its stored JSON; the text is kept as the job's {@link #json()}.
     *
     * @throws InvalidJobException when the text is not a JSON object with a non-empty string {@code id}
     */
    public static Job parse(String text) {
        JsonNode node;
        try {
            node = JobJson.read(text);
        } catch (JobJson.InvalidJsonException e) {
            throw new InvalidJobException("not a job: " + e.getMessage());
        }
        if (!node.isObject()) {
            throw new InvalidJobException("not a job: expected a JSON object, got " + node.getNodeType().name().toLowerCase());
        }
        JsonNode id = node.get("id");
        if (id == null || !id.isTextual() || id.asText().isEmpty()) {
            throw new InvalidJobException("not a job: it has no \"id\" string");
        }
        JsonNode attempts = node.get("attempts");
        if (attempts != null && !attempts.isNull() && !attempts.canConvertToInt()) {
            throw new InvalidJobException("not a job: \"attempts\" is not a whole number");
        }
        return new Job((ObjectNode) node, text, text);
    }

    /**
     * A value just taken from the queue, rewritten as 'processing' by {@code workerId}. A value that is not a job, or
     * is longer than {@code maxBytes}, becomes an invalid-job record (see {@link #readOrWrap}) so that it can be
     * failed like any job. Either way {@link #stored()} is the value as taken.
     */
    public static Job activate(String taken, String workerId, Instant now, long maxBytes) {
        long bytes = taken.length() * 3L <= maxBytes ? 0 : taken.getBytes(StandardCharsets.UTF_8).length;
        Job job = bytes > maxBytes
                ? invalid(taken, "the job is " + bytes + " bytes, over the limit of " + maxBytes + " (jobqueue.job.max-bytes)", now)
                : readOrWrap(taken, now);
        return job.edit().set("status", PROCESSING).set("workerId", workerId).set("startedAt", JobJson.timestamp(now)).done();
    }

    /**
     * A stored value as a job; a value that is not one becomes a job-shaped record that keeps the original text
     * ({@code raw}) and says what is wrong ({@code invalid}). Either way {@link #stored()} is the value.
     */
    public static Job readOrWrap(String value, Instant now) {
        try {
            return parse(value);
        } catch (InvalidJobException e) {
            return invalid(value, e.getMessage(), now);
        }
    }

    private static Job invalid(String value, String reason, Instant now) {
        ObjectNode fields = NODES.objectNode();
        fields.put("id", "invalid_" + now.toEpochMilli() + "_" + randomSuffix());
        fields.putNull("data");
        fields.put("createdAt", JobJson.timestamp(now));
        fields.put("status", QUEUED);
        fields.put("attempts", 0);
        fields.put("invalid", reason);
        fields.put("raw", value);
        return new Job(fields, null, value);
    }

    /** Why this record is not a runnable job (set by {@link #activate} for a value that could not be read), or null. */
    public String invalidReason() {
        return text("invalid");
    }

    public String id() {
        return fields.get("id").asText();
    }

    public JsonNode data() {
        JsonNode data = fields.get("data");
        return data == null ? NODES.nullNode() : data;
    }

    public String status() {
        return text("status");
    }

    /** Finished attempts: incremented once per attempt, whether it completed or failed. */
    public int attempts() {
        JsonNode attempts = fields.get("attempts");
        return attempts == null ? 0 : attempts.asInt();
    }

    /** The name of the task route that processes this job: {@code data.task}, when it is a string. */
    public String task() {
        JsonNode task = data().get("task");
        return task != null && task.isTextual() ? task.asText() : null;
    }

    /** A top-level field as text, or null when it is absent or null. */
    public String text(String field) {
        JsonNode value = fields.get(field);
        return value == null || value.isNull() ? null : value.asText();
    }

    /** A top-level field as a number, or {@code otherwise} when it is absent or not a number. */
    public long number(String field, long otherwise) {
        JsonNode value = fields.get(field);
        return value != null && value.isNumber() ? value.asLong() : otherwise;
    }

    public JsonNode field(String field) {
        return fields.get(field);
    }

    public Job with(String field, String value) {
        return edit().set(field, value).done();
    }

    public Job with(String field, long value) {
        return edit().set(field, value).done();
    }

    /** Several changes at once, made on one copy of the job. */
    public Edit edit() {
        return new Edit(this);
    }

    /** Changes to a copy of a job; {@link #done()} gives the changed job, which keeps the original's {@link #stored()}. */
    public static final class Edit {
        private final ObjectNode copy;
        private final String stored;

        private Edit(Job job) {
            this.copy = job.shallowCopy();
            this.stored = job.stored;
        }

        public Edit set(String field, String value) {
            copy.set(field, value == null ? NODES.nullNode() : NODES.textNode(value));
            return this;
        }

        public Edit set(String field, long value) {
            copy.set(field, NODES.numberNode(value));
            return this;
        }

        public Edit set(String field, JsonNode value) {
            copy.set(field, value == null ? NODES.nullNode() : value);
            return this;
        }

        public Edit remove(String... fields) {
            for (String field : fields) {
                copy.remove(field);
            }
            return this;
        }

        public Job done() {
            return new Job(copy, null, stored);
        }
    }

    /**
     * The exact text under which this job sits in Redis now: the text it was read as, or last written as. A changed
     * copy keeps it until the change is written, so a transition script can find the old value and replace it.
     * Null for a job never stored.
     */
    public String stored() {
        return stored;
    }

    /** This job, recorded as now written to Redis as {@link #json()}. */
    public Job asStored() {
        return new Job(fields, json(), json());
    }

    /** The JSON text of this job as it is now (what a transition writes). */
    public String json() {
        if (json == null) {
            json = JobJson.write(fields);
        }
        return json;
    }

    /** The fields as a tree, for API responses that embed the job. Do not modify it. */
    public ObjectNode tree() {
        return fields;
    }

    @Override
    public String toString() {
        return json();
    }

    // children are never modified, so sharing them between versions of a job is safe and saves a deep copy
    private ObjectNode shallowCopy() {
        ObjectNode copy = NODES.objectNode();
        for (Iterator<Map.Entry<String, JsonNode>> it = fields.fields(); it.hasNext(); ) {
            Map.Entry<String, JsonNode> entry = it.next();
            copy.set(entry.getKey(), entry.getValue());
        }
        return copy;
    }

    private static String randomSuffix() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[9];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = BASE36[random.nextInt(BASE36.length)];
        }
        return new String(chars);
    }

    /** A value in a queue that is not a job this system can run. */
    public static class InvalidJobException extends IllegalArgumentException {
        public InvalidJobException(String message) {
            super(message);
        }
    }
}
