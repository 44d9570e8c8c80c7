package io.jobqueue.job;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.concurrent.ThreadLocalRandom;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;

/**
 * One job as it is stored in Redis: the seed's JSON {@code {id, data, createdAt, status, attempts}} plus the fields
 * that later transitions add ({@code workerId}, {@code startedAt}, {@code result}, {@code error}, ...). Fields this
 * class does not know, written by another client, are kept.
 * <p>
 * A job is kept as its top-level fields, each with its value's JSON text exactly as it was read or written: the
 * {@code data} of a job is never parsed to move the job from list to list, and comes out byte for byte as it went in.
 * (Every job is read and written two or three times on its way; doing that with a JSON tree was a fifth of a worker's
 * time.) The data is parsed only when processing asks for it.
 * <p>
 * A Job is immutable: each change gives a new Job. Lists hold jobs by value, so a transition script finds a job by
 * the exact text it is stored as: {@link #stored()} keeps that text beside the job's current {@link #json()}.
 * Its JSON always starts with {@code "id"}, so that a script can read the id of any job this system wrote without
 * decoding it. While a worker holds the job, {@link #run()} is the token of that hold.
 */
public final class Job {

    public static final String QUEUED = "queued";
    public static final String PROCESSING = "processing";
    public static final String COMPLETED = "completed";
    public static final String FAILED = "failed";

    /** How much of a value that is not a job is kept in its failure record ({@code raw}). */
    static final int MAX_RAW_CHARS = 65_536;

    private static final char[] BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();

    private final Map<String, String> fields;
    private final String stored;
    private final String run;
    private String json;
    private String id;

    private Job(Map<String, String> fields, String json, String stored, String run) {
        this.fields = fields;
        this.json = json;
        this.stored = stored;
        this.run = run;
    }

    /** A new job whose data is the given JSON text, already checked to be one JSON object (stored as it is). */
    public static Job create(String dataJson, long nowMillis) {
        // id, timestamp and status are plain ASCII, so they are quoted without the escaping check, and the JSON is
        // written at once (bulk intake creates 100,000 of these per request)
        String id = "job_" + nowMillis + "_" + randomSuffix();
        String createdAt = JobJson.timestamp(nowMillis);
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("id", "\"" + id + "\"");
        fields.put("data", dataJson);
        fields.put("createdAt", "\"" + createdAt + "\"");
        fields.put("status", "\"" + QUEUED + "\"");
        fields.put("attempts", "0");
        Job job = new Job(fields, "{\"id\":\"" + id + "\",\"data\":" + dataJson + ",\"createdAt\":\"" + createdAt
                + "\",\"status\":\"" + QUEUED + "\",\"attempts\":0}", null, null);
        job.id = id;
        return job;
    }

    /**
     * Reads a job from its stored JSON; the text is kept as the job's {@link #json()}.
     *
     * @throws InvalidJobException when the text is not a JSON object with a non-empty string {@code id}
     */
    public static Job parse(String text) {
        Map<String, String> fields;
        try {
            fields = JobJson.topLevelFields(text);
        } catch (JobJson.InvalidJsonException e) {
            throw new InvalidJobException("not a job: " + e.getMessage());
        }
        String id = fields.get("id");
        if (id == null || !id.startsWith("\"") || id.length() < 3) {
            throw new InvalidJobException("not a job: it has no \"id\" string");
        }
        String attempts = fields.get("attempts");
        if (attempts != null && !attempts.equals("null") && !isSmallWholeNumber(attempts)) {
            throw new InvalidJobException("not a job: \"attempts\" is not a whole number");
        }
        return new Job(fields, text, text, null);
    }

    /**
     * A value as a worker took it from the queue, byte for byte: a job, or, for a value that is longer than
     * {@code maxBytes}, is not UTF-8 text, or is not a job, an invalid-job record that says why (see
     * {@link #readOrWrap}), so that it can be failed like any job. Never throws: nothing another client can push
     * may stop a worker.
     */
    public static Job fromTaken(byte[] taken, long maxBytes, Instant now) {
        try {
            if (taken.length > maxBytes) {
                return invalid(new String(taken, 0, (int) Math.min(taken.length, MAX_RAW_CHARS), StandardCharsets.UTF_8),
                        "the job is " + taken.length + " bytes, over the limit of " + maxBytes + " (jobqueue.job.max-bytes)", now);
            }
            String text = JobJson.utf8OrNull(taken);
            if (text == null) {
                return invalid(new String(taken, StandardCharsets.UTF_8), "not a job: the value is not UTF-8 text", now);
            }
            return readOrWrap(text, now);
        } catch (RuntimeException | StackOverflowError e) {
            return invalid("", "not a job: it could not be read (" + e.getClass().getSimpleName() + ")", now);
        }
    }

    /** The job as its worker starts it: 'processing' by {@code workerId} since {@code startedAt} (epoch ms). */
    public Job started(String workerId, long startedAt) {
        return edit().set("status", PROCESSING).set("workerId", workerId).set("startedAt", JobJson.timestamp(startedAt)).done();
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

    /** A record of a value that is not a job: it keeps (the start of) the text and says what is wrong. */
    private static Job invalid(String value, String reason, Instant now) {
        Map<String, String> fields = new LinkedHashMap<>();
        fields.put("id", quote("invalid_" + now.toEpochMilli() + "_" + randomSuffix()));
        fields.put("data", "null");
        fields.put("createdAt", quote(JobJson.timestamp(now.toEpochMilli())));
        fields.put("status", quote(QUEUED));
        fields.put("attempts", "0");
        fields.put("invalid", quote(reason));
        fields.put("raw", quote(value.length() > MAX_RAW_CHARS ? value.substring(0, MAX_RAW_CHARS) : value));
        if (value.length() > MAX_RAW_CHARS) {
            fields.put("rawTruncated", "true");
        }
        return new Job(fields, null, value, null);
    }

    private static boolean isSmallWholeNumber(String raw) {
        int start = raw.startsWith("-") ? 1 : 0;
        if (raw.length() <= start || raw.length() - start > 9) {
            return false;
        }
        for (int i = start; i < raw.length(); i++) {
            if (!Character.isDigit(raw.charAt(i))) {
                return false;
            }
        }
        return true;
    }

    /** Why this record is not a runnable job (set by {@link #fromTaken} for a value that could not be read), or null. */
    public String invalidReason() {
        return text("invalid");
    }

    public String id() {
        String cached = id;
        if (cached == null) {
            cached = text("id");
            id = cached;
        }
        return cached;
    }

    /** The job's data as plain Java values (a Map for a JSON object), parsed now; what a task route gets. */
    public Object dataAsJava() {
        try {
            return JobJson.MAPPER.readValue(fields.getOrDefault("data", "null"), Object.class);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("unreadable data in job " + id(), e);
        }
    }

    public String status() {
        return text("status");
    }

    /** Finished attempts: incremented once per attempt, whether it completed or failed. */
    public int attempts() {
        return (int) number("attempts", 0);
    }

    /**
     * The name of the task route that processes this job: {@code data.task}, when it is a string. Read by streaming
     * over the data's top level, without building it.
     */
    public String task() {
        String data = fields.get("data");
        if (data == null || !data.startsWith("{")) {
            return null;
        }
        try (JsonParser parser = JobJson.MAPPER.getFactory().createParser(data)) {
            parser.nextToken();
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                boolean isTask = "task".equals(parser.currentName());
                JsonToken value = parser.nextToken();
                if (isTask) {
                    return value == JsonToken.VALUE_STRING ? parser.getText() : null;
                }
                parser.skipChildren();
            }
            return null;
        } catch (IOException e) {
            return null;
        }
    }

    /** A top-level field as text (a string's value, a number's digits), or null when it is absent or null. */
    public String text(String field) {
        String raw = fields.get(field);
        if (raw == null || raw.equals("null")) {
            return null;
        }
        if (!raw.startsWith("\"")) {
            return raw;
        }
        if (raw.indexOf('\\') < 0) {
            return raw.substring(1, raw.length() - 1);
        }
        try {
            return JobJson.MAPPER.readValue(raw, String.class);
        } catch (JsonProcessingException e) {
            return raw;
        }
    }

    /** A top-level field as a number, or {@code otherwise} when it is absent or not a number. */
    public long number(String field, long otherwise) {
        String raw = fields.get(field);
        if (raw == null || raw.isEmpty() || !(Character.isDigit(raw.charAt(0)) || raw.charAt(0) == '-')) {
            return otherwise;
        }
        try {
            return Long.parseLong(raw);
        } catch (NumberFormatException notWhole) {
            try {
                return (long) Double.parseDouble(raw);
            } catch (NumberFormatException notNumber) {
                return otherwise;
            }
        }
    }

    /** A top-level field's JSON text as stored, or null when absent. */
    public String rawField(String field) {
        return fields.get(field);
    }

    /** Several changes at once, made on one copy of the job. */
    public Edit edit() {
        return new Edit(this);
    }

    /** Changes to a copy of a job; {@link #done()} gives the changed job, which keeps the original's {@link #stored()}. */
    public static final class Edit {
        private final Map<String, String> copy;
        private final String stored;
        private final String run;

        private Edit(Job job) {
            this.copy = new LinkedHashMap<>(job.fields);
            this.stored = job.stored;
            this.run = job.run;
        }

        public Edit set(String field, String value) {
            copy.put(field, value == null ? "null" : quote(value));
            return this;
        }

        public Edit set(String field, long value) {
            copy.put(field, Long.toString(value));
            return this;
        }

        /** Sets a field to a JSON value given as JSON text (which must be valid JSON). */
        public Edit setJson(String field, String json) {
            copy.put(field, json == null ? "null" : json);
            return this;
        }

        public Edit remove(String... fields) {
            for (String field : fields) {
                copy.remove(field);
            }
            return this;
        }

        public Job done() {
            return new Job(copy, null, stored, run);
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
        return new Job(fields, json(), json(), run);
    }

    /** The token of the hold under which a worker runs this job (null for a job no worker holds). */
    public String run() {
        return run;
    }

    /** This job, held by a worker under the given run token. */
    public Job withRun(String token) {
        return new Job(fields, json, stored, token);
    }

    /** The JSON text of this job as it is now (what a transition writes), {@code "id"} first. */
    public String json() {
        if (json == null) {
            StringBuilder out = new StringBuilder(64 + 32 * fields.size());
            out.append('{');
            String idValue = fields.get("id");
            if (idValue != null) {
                out.append("\"id\":").append(idValue);
            }
            for (Map.Entry<String, String> field : fields.entrySet()) {
                if (field.getKey().equals("id")) {
                    continue;
                }
                if (out.length() > 1) {
                    out.append(',');
                }
                JobJson.appendQuoted(out, field.getKey()).append(':').append(field.getValue());
            }
            json = out.append('}').toString();
        }
        return json;
    }

    @Override
    public String toString() {
        return json();
    }

    private static String quote(String text) {
        return JobJson.quote(text);
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
