package io.jobqueue.events;

import java.time.Instant;
import java.util.List;
import java.util.concurrent.atomic.AtomicLong;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.redis.Batcher;
import io.jobqueue.redis.LuaScript;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.support.service.ServiceSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Publishes job events on the events channel ({@code job_status}), in the order they are handed in: all that are
 * waiting go out in one round trip (publishEvents.lua). Events are notifications, the lists are the truth: when Redis cannot be
 * reached an event is dropped and counted, and the job is not held up.
 */
public final class JobEvents extends ServiceSupport {

    private static final Logger LOG = LoggerFactory.getLogger(JobEvents.class);

    private static final RedisScript<Long> PUBLISH_EVENTS = LuaScript.returningNumber("publishEvents");

    private final String channel;
    private final StringRedisTemplate redis;
    private final Batcher<String, Void> publisher;
    private final AtomicLong dropped = new AtomicLong();

    public JobEvents(StringRedisTemplate redis, String channel) {
        this.redis = redis;
        this.channel = channel;
        this.publisher = new Batcher<>("job-events", 1000, 5000, this::publishAll);
    }

    /** Announces the job's current status (the body of the wireTap that follows each transition). */
    public void publish(Job job) {
        publisher.submit(JobEvent.of(job, Instant.now()).json()).exceptionally(error -> {
            long count = dropped.incrementAndGet();
            if (count == 1 || count % 1000 == 0) {
                LOG.warn("Could not publish job events ({} dropped so far): {}", count, error.toString());
            }
            return null;
        });
    }

    private List<Void> publishAll(List<String> events) {
        Object[] args = new Object[1 + events.size()];
        args[0] = channel;
        for (int i = 0; i < events.size(); i++) {
            args[i + 1] = events.get(i);
        }
        redis.execute(PUBLISH_EVENTS, List.of(), args);
        return null;
    }

    @Override
    protected void doStart() {
        ServiceHelper.startService(publisher);
    }

    @Override
    protected void doStop() {
        ServiceHelper.stopService(publisher);
    }
}
