package io.jobqueue;

import java.util.Optional;
import java.util.function.Function;

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
        Processor processor) {

    /** Where Redis is: a URL, or none, in which case an embedded Redis is started (or reused) on a local port. */
    public record Redis(Optional<String> url, int embeddedPort, String embeddedDir, int timeoutMs) {
    }

    public record Api(long maxBodyBytes) {
    }

    /**
     * @param concurrency     jobs one process runs at the same time, each on its own thread and Redis connection
     * @param pollTimeoutSeconds how long one blocking take waits for a job before it looks again (the seed's 5 s)
     * @param shutdownTimeoutMs  how long in-flight jobs may run on after a stop is asked for
     * @param maxBatch           the most jobs one worker takes in one round trip when the queue is deep
     * @param leaseDurationMs    how long a job stays leased to its worker without a renewal
     */
    public record Worker(int concurrency, int pollTimeoutSeconds, long shutdownTimeoutMs, int maxBatch, long leaseDurationMs) {
    }

    /** The seed's demo processing: sleep a random time in [min, max], fail with the given probability. */
    public record Processor(long minDurationMs, long maxDurationMs, double failureRate) {
    }

    public static JobQueueSettings load(PropertiesComponent properties) {
        Reader read = new Reader(properties);
        Optional<String> url = read.optional("jobqueue.redis.url").filter(value -> !value.isBlank());
        return new JobQueueSettings(
                new Redis(url,
                        read.integer("jobqueue.redis.embedded-port", 6380),
                        read.text("jobqueue.redis.embedded-dir", "data/redis"),
                        read.integer("jobqueue.redis.timeout-ms", 2000)),
                read.text("jobqueue.queue-name", "job_queue"),
                read.text("jobqueue.events-channel", "job_status"),
                new Api(read.number("jobqueue.api.max-body-bytes", 1_048_576L)),
                new Worker(
                        read.integer("jobqueue.worker.concurrency", 4),
                        read.integer("jobqueue.worker.poll-timeout-seconds", 5),
                        read.number("jobqueue.worker.shutdown-timeout-ms", 30_000L),
                        read.integer("jobqueue.worker.max-batch", 50),
                        read.number("jobqueue.lease.duration-ms", 30_000L)),
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

        double decimal(String key, double otherwise) {
            return parse(key, Double::parseDouble, otherwise);
        }

        private <T> T parse(String key, Function<String, T> parser, T otherwise) {
            Optional<String> value = optional(key).filter(text -> !text.isEmpty());
            try {
                return value.map(parser).orElse(otherwise);
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("setting " + key + "=" + value.get() + " is not a number");
            }
        }
    }
}
