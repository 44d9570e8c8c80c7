package io.jobqueue.redis;

import java.time.Duration;

import io.jobqueue.JobQueueSettings;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.dao.QueryTimeoutException;
import org.springframework.data.redis.RedisConnectionFailureException;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisClientConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.listener.RedisMessageListenerContainer;
import redis.clients.jedis.exceptions.JedisConnectionException;

/**
 * The one Redis connection setup of a process: a pooled Jedis connection factory built from the configured URL, and
 * the String template every Redis call goes through (values stay plain JSON text, readable with redis-cli).
 * <p>
 * Jedis rather than a shared Lettuce connection: workers block in BLMOVE, and a blocking call must own its
 * connection. Short connect and read timeouts make a Redis outage an error within about two seconds rather than a
 * hang. Blocking takes go through a pool of their own whose read timeout is the longest block plus a margin (Jedis
 * lifts the read timeout for the blocking commands it knows, so they are sent as plain commands): a connection that
 * died without a word (a failover, a NAT dropping the flow) is then noticed within that time, never waited on for ever.
 */
public final class RedisSetup extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSetup.class);

    /** How much longer than its block a blocking take may wait for its reply before the connection counts as dead. */
    static final Duration BLOCKING_MARGIN = Duration.ofSeconds(3);

    private final RedisUrl url;
    private final JedisConnectionFactory connectionFactory;
    private final JedisConnectionFactory blockingConnectionFactory;
    private final StringRedisTemplate template;
    private final StringRedisTemplate blockingTemplate;
    private RedisMessageListenerContainer listenerContainer;

    public RedisSetup(RedisUrl url, JobQueueSettings settings) {
        this.url = url;
        Duration timeout = Duration.ofMillis(settings.redis().timeoutMs());
        this.connectionFactory = connectionFactory(url, timeout, settings.worker().concurrency() + 32);
        this.blockingConnectionFactory = connectionFactory(url,
                Duration.ofSeconds(settings.worker().pollTimeoutSeconds()).plus(BLOCKING_MARGIN), settings.worker().concurrency() + 2);
        this.template = template(connectionFactory);
        this.blockingTemplate = template(blockingConnectionFactory);
    }

    private static StringRedisTemplate template(JedisConnectionFactory factory) {
        StringRedisTemplate template = new StringRedisTemplate(factory);
        // callbacks get the connection itself: by default every call wraps it in a JDK proxy (to stop callbacks from
        // closing it) and goes through reflection; none of our callbacks closes it
        template.setExposeConnection(true);
        return template;
    }

    private static JedisConnectionFactory connectionFactory(RedisUrl url, Duration readTimeout, int size) {
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(url.host(), url.port());
        server.setDatabase(url.database());
        if (url.username() != null) {
            server.setUsername(url.username());
        }
        if (url.password() != null) {
            server.setPassword(url.password());
        }
        Duration connectTimeout = readTimeout.compareTo(Duration.ofSeconds(2)) < 0 ? readTimeout : Duration.ofSeconds(2);
        GenericObjectPoolConfig<Object> pool = new GenericObjectPoolConfig<>();
        pool.setMaxTotal(size);
        pool.setMaxIdle(size);
        pool.setMaxWait(connectTimeout);
        // after a Redis restart, idle connections are dead: find them in the background rather than on the hot path
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
        pool.setMinEvictableIdleDuration(Duration.ofMinutes(5));
        pool.setJmxEnabled(false);
        JedisClientConfiguration.JedisClientConfigurationBuilder client = JedisClientConfiguration.builder()
                .connectTimeout(connectTimeout)
                .readTimeout(readTimeout)
                .clientName("redis-job-queue");
        if (url.tls()) {
            client.useSsl();
        }
        JedisConnectionFactory factory = new JedisConnectionFactory(server, client.usePooling().poolConfig(pool).build());
        factory.afterPropertiesSet();
        return factory;
    }

    /**
     * Whether an error (or one of its causes) means Redis could not be reached, did not answer in time, or refused for
     * a while (out of memory, loading, busy, a replica read-only during a failover): worth trying again. A script
     * error or a wrong type is not.
     */
    public static boolean isTransient(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            // a pipelined call lets Jedis's own exception through untranslated
            if (cause instanceof JedisConnectionException || cause instanceof RedisConnectionFailureException
                    || cause instanceof QueryTimeoutException || isOutOfMemory(cause)) {
                return true;
            }
            String message = cause.getMessage();
            if (message != null && (message.startsWith("LOADING") || message.startsWith("BUSY")
                    || message.startsWith("READONLY") || message.startsWith("MASTERDOWN") || message.startsWith("TRYAGAIN"))) {
                return true;
            }
        }
        return false;
    }

    /** Whether Redis refused a write for lack of memory ({@code maxmemory} reached with the noeviction policy). */
    public static boolean isOutOfMemory(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            String message = cause.getMessage();
            if (message != null && (message.startsWith("OOM ") || message.contains("-OOM ") || message.contains(": OOM "))) {
                return true;
            }
        }
        return false;
    }

    public RedisUrl url() {
        return url;
    }

    public JedisConnectionFactory connectionFactory() {
        return connectionFactory;
    }

    public StringRedisTemplate template() {
        return template;
    }

    /** The template for blocking takes (see the class comment). */
    public StringRedisTemplate blockingTemplate() {
        return blockingTemplate;
    }

    /**
     * The container behind SUBSCRIBE consumers: it resubscribes by itself, with backoff, after Redis comes back. Messages
     * are handed to the listener on the subscription's own thread, in the order they arrive (the default executor
     * starts a thread per message, and the monitor printed events out of order); the subscription gets a thread of
     * its own, since a Jedis subscription blocks the thread that runs it.
     */
    public synchronized RedisMessageListenerContainer listenerContainer() {
        if (listenerContainer == null) {
            RedisMessageListenerContainer container = new RedisMessageListenerContainer();
            container.setConnectionFactory(connectionFactory);
            container.setRecoveryInterval(1000);
            container.setSubscriptionExecutor(new SimpleAsyncTaskExecutor("redis-subscription-"));
            container.setTaskExecutor(new SyncTaskExecutor());
            container.afterPropertiesSet();
            container.start();
            listenerContainer = container;
        }
        return listenerContainer;
    }

    @Override
    protected void doStart() {
        connectionFactory.start();
        blockingConnectionFactory.start();
        LOG.info("Redis: {}", url.redacted());
        warnIfRedisMayEvictJobs();
    }

    /**
     * A Redis that evicts keys when it is full drops whole queues without a word; with {@code noeviction} it refuses
     * writes instead, which this system answers with 503 at intake while workers keep their jobs until it accepts
     * writes again. Managed Redis services may forbid CONFIG: then nothing is said.
     */
    private void warnIfRedisMayEvictJobs() {
        try {
            java.util.Properties config = template.execute((org.springframework.data.redis.core.RedisCallback<java.util.Properties>)
                    connection -> connection.serverCommands().getConfig("maxmemory-policy"));
            String policy = config == null ? null : config.getProperty("maxmemory-policy");
            if (policy != null && !policy.equals("noeviction")) {
                LOG.warn("Redis's maxmemory-policy is '{}': when Redis fills up it will evict keys, whole queues among them. "
                        + "Set it to 'noeviction' (CONFIG SET maxmemory-policy noeviction, or in redis.conf).", policy);
            }
        } catch (RuntimeException e) {
            LOG.debug("Could not read Redis's maxmemory-policy: {}", e.toString());
        }
    }

    @Override
    protected void doStop() throws Exception {
        if (listenerContainer != null) {
            listenerContainer.destroy();
            listenerContainer = null;
        }
        blockingConnectionFactory.destroy();
        connectionFactory.destroy();
    }
}
