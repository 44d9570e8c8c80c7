package io.jobqueue.redis;

import java.time.Duration;

import io.jobqueue.JobQueueSettings;
import org.apache.camel.support.service.ServiceSupport;
import org.apache.commons.pool2.impl.GenericObjectPoolConfig;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.task.SimpleAsyncTaskExecutor;
import org.springframework.core.task.SyncTaskExecutor;
import org.springframework.dao.DataAccessException;
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
 * connection. The pool has room for one blocking connection per worker plus the API and background duties.
 * Short connect and read timeouts make a Redis outage an error within about two seconds rather than a hang;
 * blocking commands are exempt (Jedis lifts the read timeout for them).
 */
public final class RedisSetup extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(RedisSetup.class);

    private final RedisUrl url;
    private final JedisConnectionFactory connectionFactory;
    private final StringRedisTemplate template;
    private RedisMessageListenerContainer listenerContainer;

    public RedisSetup(RedisUrl url, JobQueueSettings settings) {
        this.url = url;
        this.connectionFactory = connectionFactory(url, settings);
        this.template = new StringRedisTemplate(connectionFactory);
        // callbacks get the connection itself: by default every call wraps it in a JDK proxy (to stop callbacks from
        // closing it) and goes through reflection; none of our callbacks closes it
        this.template.setExposeConnection(true);
    }

    private static JedisConnectionFactory connectionFactory(RedisUrl url, JobQueueSettings settings) {
        RedisStandaloneConfiguration server = new RedisStandaloneConfiguration(url.host(), url.port());
        server.setDatabase(url.database());
        if (url.username() != null) {
            server.setUsername(url.username());
        }
        if (url.password() != null) {
            server.setPassword(url.password());
        }
        Duration timeout = Duration.ofMillis(settings.redis().timeoutMs());
        GenericObjectPoolConfig<Object> pool = new GenericObjectPoolConfig<>();
        int size = settings.worker().concurrency() + 32;
        pool.setMaxTotal(size);
        pool.setMaxIdle(size);
        pool.setMaxWait(timeout);
        // after a Redis restart, idle connections are dead: find them in the background rather than on the hot path
        pool.setTestWhileIdle(true);
        pool.setTimeBetweenEvictionRuns(Duration.ofSeconds(1));
        pool.setMinEvictableIdleDuration(Duration.ofMinutes(5));
        pool.setJmxEnabled(false);
        JedisClientConfiguration.JedisClientConfigurationBuilder client = JedisClientConfiguration.builder()
                .connectTimeout(timeout)
                .readTimeout(timeout)
                .clientName("redis-job-queue");
        if (url.tls()) {
            client.useSsl();
        }
        JedisConnectionFactory factory = new JedisConnectionFactory(server, client.usePooling().poolConfig(pool).build());
        factory.afterPropertiesSet();
        return factory;
    }

    /** Whether an error (or one of its causes) means Redis could not be reached or did not answer in time. */
    public static boolean isUnreachable(Throwable error) {
        for (Throwable cause = error; cause != null; cause = cause.getCause()) {
            // a pipelined call lets Jedis's own exception through untranslated
            if (cause instanceof DataAccessException || cause instanceof JedisConnectionException) {
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
        LOG.info("Redis: {}", url.redacted());
    }

    @Override
    protected void doStop() throws Exception {
        if (listenerContainer != null) {
            listenerContainer.destroy();
            listenerContainer = null;
        }
        connectionFactory.destroy();
    }
}
