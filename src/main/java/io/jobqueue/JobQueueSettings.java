package io.jobqueue;

import java.nio.file.Path;
import java.util.Optional;
import java.util.function.Function;

import io.jobqueue.api.ApiTokens;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.PropertiesComponent;

/**
 * Every {@code jobqueue.*} setting, typed, read once at start-up from {@code config/application.properties}
 * (or the packaged copy), overridable with {@code -Dkey=value} or the matching environment variable
 * ({@code JOBQUEUE_WORKER_CONCURRENCY}). {@code REDIS_URL} sets {@code jobqueue.redis.url} (see {@link Application}).
 * The defaults here are the documented ones; the properties file repeats them with comments.
 */
public record JobQueueSettings(
        Redis redis,
        String queueName,
        String eventsChannel,
        Api api,
        Worker worker,
        Jobs jobs,
        Retry retry,
        Liveness liveness,
        Retention retention,
        long schedulerIntervalMs,
        Processor processor) {

    private static final String REGISTRY_NAME = "jobQueueSettings";

    /** Where Redis is: a URL, or none, in which case an embedded Redis is started (or reused) on a local port. */
    public record Redis(Optional<String> url, int embeddedPort, String embeddedDir, int timeoutMs) {
    }

    /**
     * @param maxBodyBytes         the largest body of any request but POST /jobs/bulk (whose limit is
     *                             {@code camel.server.max-body-size})
     * @param maxBulkJobs          the most jobs one POST /jobs/bulk may carry
     * @param tokens               bearer tokens and their roles; none: no authentication
     * @param allowAnonymous       whether the API may serve hosts other than this one without tokens
     * @param headerTimeoutMs      how long a request's headers may take to arrive
     * @param idleTimeoutMs        how long a connection may stay idle before it is closed
     * @param maxConnections       the most HTTP connections open at once; more are answered 503 and closed
     * @param maxBufferedBodyBytes the most body bytes held for requests being read, all requests together; a body
     *                             that would go over it is answered 503 before it is read
     * @param idempotencyTtlMs     how long an {@code Idempotency-Key} of {@code POST /jobs} is remembered
     */
    public record Api(long maxBodyBytes, int maxBulkJobs, ApiTokens tokens, boolean allowAnonymous,
                      long headerTimeoutMs, long idleTimeoutMs, int maxConnections, long maxBufferedBodyBytes,
                      long idempotencyTtlMs) {
    }

    /**
     * @param concurrency        jobs one process runs at the same time, each on its own thread and Redis connection
     * @param pollTimeoutSeconds how long one blocking take waits for a job before it looks again (the seed's 5 s)
     * @param shutdownTimeoutMs  how long in-flight jobs may run on after a stop is asked for
     * @param maxBatch           the most jobs one process takes ahead of running them when the queue is deep, shared
     *                           out among its threads (at least 4 each)
     * @param handBackAfterMs    how long a job may run before the jobs its thread took ahead of it go back to the
     *                           queue for other workers
     */
    public record Worker(int concurrency, int pollTimeoutSeconds, long shutdownTimeoutMs, int maxBatch, long handBackAfterMs) {
    }

    /**
     * @param maxBytes  a value in the queue longer than this is failed unread
     * @param timeoutMs how long one attempt may run (0: no limit); a job's own {@code timeoutMs} wins
     */
    public record Jobs(long maxBytes, long timeoutMs) {
    }

    /**
     * A failed attempt is retried while {@code attempts < maxAttempts} (a job's own {@code maxAttempts} wins), after
     * {@code min(maxDelayMs, baseDelayMs * 2^(attempt-1))}, of which a random half is jitter.
     */
    public record Retry(int maxAttempts, long baseDelayMs, long maxDelayMs) {
    }

    /**
     * How a dead worker process is told from a live one, by Redis's clock: each sends a heartbeat every
     * {@code heartbeatIntervalMs}; one silent for {@code heartbeatTimeoutMs}, and still silent when a reaper looks again
     * {@code confirmMs} later, is dead, and its jobs go back to the queue.
     *
     * @param reaperIntervalMs how often each worker process looks for dead ones
     * @param maxStalls        how many stalls a job survives; one more and it fails
     */
    public record Liveness(long heartbeatIntervalMs, long heartbeatTimeoutMs, long reaperIntervalMs, int maxStalls) {

        /** How long after a first sighting a silent process is taken for dead: heartbeats delayed by a Redis pause land first. */
        public long confirmMs() {
            return Math.max(3 * heartbeatIntervalMs, 2000);
        }
    }

    /** How many finished jobs, and for how long, each list keeps (-1: no limit; a count of 0 keeps none). */
    public record Retention(long completedMaxCount, long completedMaxAgeMs, long failedMaxCount, long failedMaxAgeMs) {
    }

    /** The seed's demo processing: sleep a random time in [min, max], fail with the given probability. */
    public record Processor(long minDurationMs, long maxDurationMs, double failureRate) {
    }

    /**
     * The settings of this Camel context, read on the first call and kept in its registry: the HTTP server (which
     * camel-main makes before {@link JobQueueConfiguration} runs) and the rest of the application share one reading.
     */
    public static JobQueueSettings of(CamelContext camel) {
        JobQueueSettings settings = camel.getRegistry().lookupByNameAndType(REGISTRY_NAME, JobQueueSettings.class);
        if (settings == null) {
            settings = load(camel.getPropertiesComponent());
            camel.getRegistry().bind(REGISTRY_NAME, settings);
        }
        return settings;
    }

    public static JobQueueSettings load(PropertiesComponent properties) {
        Reader read = new Reader(properties);
        return new JobQueueSettings(
                new Redis(read.optional("jobqueue.redis.url").filter(value -> !value.isBlank()),
                        read.integer("jobqueue.redis.embedded-port", 6380),
                        read.text("jobqueue.redis.embedded-dir", "data/redis"),
                        read.integer("jobqueue.redis.timeout-ms", 1500)),
                read.text("jobqueue.queue-name", "job_queue"),
                read.text("jobqueue.events-channel", "job_status"),
                new Api(read.number("jobqueue.api.max-body-bytes", 1_048_576L),
                        read.integer("jobqueue.api.max-bulk-jobs", 100_000),
                        ApiTokens.parse(read.text("jobqueue.api.tokens", ""),
                                read.optional("jobqueue.api.tokens-file").filter(path -> !path.isEmpty()).map(Path::of)),
                        read.bool("jobqueue.api.allow-anonymous", false),
                        read.number("jobqueue.api.header-timeout-ms", 10_000L),
                        read.number("jobqueue.api.idle-timeout-ms", 60_000L),
                        read.integer("jobqueue.api.max-connections", 4096),
                        read.number("jobqueue.api.max-buffered-body-bytes", 134_217_728L),
                        read.duration("jobqueue.api.idempotency-ttl", 86_400_000L)),
                new Worker(
                        read.integer("jobqueue.worker.concurrency", 4),
                        read.integer("jobqueue.worker.poll-timeout-seconds", 5),
                        read.number("jobqueue.worker.shutdown-timeout-ms", 30_000L),
                        read.integer("jobqueue.worker.max-batch", 100),
                        read.number("jobqueue.worker.hand-back-after-ms", 1000L)),
                new Jobs(
                        read.number("jobqueue.job.max-bytes", 2_097_152L),
                        read.number("jobqueue.job.timeout-ms", 0L)),
                new Retry(
                        read.integer("jobqueue.retry.max-attempts", 3),
                        read.number("jobqueue.retry.base-delay-ms", 1000L),
                        read.number("jobqueue.retry.max-delay-ms", 60_000L)),
                new Liveness(
                        read.number("jobqueue.worker.heartbeat-interval-ms", 1000L),
                        read.number("jobqueue.worker.heartbeat-timeout-ms", 8000L),
                        read.number("jobqueue.reaper.interval-ms", 1000L),
                        read.integer("jobqueue.max-stalls", 1)),
                new Retention(
                        read.number("jobqueue.retention.completed.max-count", 10_000L),
                        read.duration("jobqueue.retention.completed.max-age", 86_400_000L),
                        read.number("jobqueue.retention.failed.max-count", 10_000L),
                        read.duration("jobqueue.retention.failed.max-age", 7 * 86_400_000L)),
                read.number("jobqueue.scheduler.interval-ms", 250L),
                new Processor(
                        read.number("jobqueue.processor.min-duration-ms", 1000L),
                        read.number("jobqueue.processor.max-duration-ms", 4000L),
                        read.decimal("jobqueue.processor.failure-rate", 0.1)));
    }

    /** Reads one key at a time and names the key in the error when its value is not of the expected type. */
    private record Reader(PropertiesComponent properties) {

        Optional<String> optional(String key) {
            return properties.resolveProperty(key).map(String::trim);
        }

        String text(String key, String otherwise) {
            return optional(key).filter(value -> !value.isEmpty()).orElse(otherwise);
        }

        int integer(String key, int otherwise) {
            return parse(key, Integer::parseInt, otherwise);
        }

        long number(String key, long otherwise) {
            return parse(key, Long::parseLong, otherwise);
        }

        boolean bool(String key, boolean otherwise) {
            Optional<String> value = optional(key).filter(text -> !text.isEmpty());
            if (value.isPresent() && !value.get().equalsIgnoreCase("true") && !value.get().equalsIgnoreCase("false")) {
                throw new IllegalArgumentException("setting " + key + "=" + value.get() + " is not true or false");
            }
            return value.map(Boolean::parseBoolean).orElse(otherwise);
        }

        double decimal(String key, double otherwise) {
            return parse(key, Double::parseDouble, otherwise);
        }

        /** A duration in ms: a number (ms), or a number with a unit: 500ms, 30s, 5m, 24h, 7d; -1 for no limit. */
        long duration(String key, long otherwise) {
            return parse(key, Reader::millis, otherwise);
        }

        private static long millis(String text) {
            String value = text.trim().toLowerCase(java.util.Locale.ROOT);
            long unit = 1;
            for (String[] suffix : new String[][] {{"ms", "1"}, {"s", "1000"}, {"m", "60000"}, {"h", "3600000"}, {"d", "86400000"}}) {
                if (value.endsWith(suffix[0]) && !(suffix[0].equals("s") && value.endsWith("ms"))) {
                    value = value.substring(0, value.length() - suffix[0].length()).trim();
                    unit = Long.parseLong(suffix[1]);
                    break;
                }
            }
            long number = Long.parseLong(value);
            return number < 0 ? -1 : Math.multiplyExact(number, unit);
        }

        private <T> T parse(String key, Function<String, T> parser, T otherwise) {
            Optional<String> value = optional(key).filter(text -> !text.isEmpty());
            try {
                return value.map(parser).orElse(otherwise);
            } catch (NumberFormatException | ArithmeticException e) {
                throw new IllegalArgumentException("setting " + key + "=" + value.get() + " is not a number"
                        + " (durations: a number of ms, or with a unit: 500ms, 30s, 5m, 24h, 7d)");
            }
        }
    }
}
