package io.jobqueue;

import java.nio.file.Path;

import io.jobqueue.api.ApiErrors;
import io.jobqueue.api.ApiHeaders;
import io.jobqueue.api.JobRequests;
import io.jobqueue.events.JobEvents;
import io.jobqueue.events.JobEventsComponent;
import io.jobqueue.job.RetryPolicy;
import io.jobqueue.monitor.MonitorConsole;
import io.jobqueue.monitor.MonitorRoutes;
import io.jobqueue.redis.EmbeddedRedis;
import io.jobqueue.redis.JobLists;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.RedisKeys;
import io.jobqueue.redis.RedisSetup;
import io.jobqueue.redis.RedisUrl;
import io.jobqueue.worker.DefaultJobProcessor;
import io.jobqueue.worker.HeldJobs;
import io.jobqueue.worker.JobQueueComponent;
import io.jobqueue.worker.JobRunner;
import io.jobqueue.worker.LeaseKeeper;
import io.jobqueue.worker.MaintenanceRoutes;
import io.jobqueue.worker.Reaper;
import io.jobqueue.worker.RetryScheduler;
import io.jobqueue.worker.TaskRoutes;
import io.jobqueue.worker.WorkerRoutes;
import org.apache.camel.CamelConfiguration;
import org.apache.camel.CamelContext;
import org.apache.camel.spi.Registry;
import org.springframework.data.redis.serializer.RedisSerializer;

/**
 * Wires one process: reads the settings, connects to Redis (or starts the embedded one), binds the beans the routes
 * name, and adds the Java routes of the process's role. The YAML routes are loaded by camel-main afterwards.
 * <p>
 * Services start in the order they are added and stop in reverse: the embedded Redis first up and last down, then
 * the connection pool, then the store and the event publisher; routes stop before any of them.
 */
final class JobQueueConfiguration implements CamelConfiguration {

    private final Role role;

    JobQueueConfiguration(Role role) {
        this.role = role;
    }

    @Override
    public void configure(CamelContext camel) throws Exception {
        JobQueueSettings settings = JobQueueSettings.of(camel);
        Registry registry = camel.getRegistry();

        RedisUrl url;
        if (settings.redis().url().isPresent()) {
            url = RedisUrl.parse(settings.redis().url().get());
        } else {
            EmbeddedRedis embedded = new EmbeddedRedis(settings.redis().embeddedPort(), Path.of(settings.redis().embeddedDir()));
            camel.addService(embedded, true, true);
            url = embedded.url();
        }
        RedisSetup redis = new RedisSetup(url, settings);
        camel.addService(redis, true, true);
        registry.bind("redisConnectionFactory", redis.connectionFactory());
        registry.bind("redisTemplate", redis.template());
        registry.bind("stringRedisSerializer", RedisSerializer.string());

        RedisKeys keys = new RedisKeys(settings.queueName(), settings.eventsChannel());
        JobLists lists = new JobLists(redis.template(), keys);
        registry.bind("jobLists", lists);

        RetryPolicy retryPolicy = new RetryPolicy(settings.retry());
        HeldJobs held = new HeldJobs();
        JobStore store = null;
        if (role.api || role.worker) {
            store = new JobStore(redis.template(), keys, retryPolicy, settings.lease().durationMs(),
                    settings.jobs().maxBytes(), settings.redis().timeoutMs() + 500L);
            camel.addService(store, true, true);
            registry.bind("jobStore", store);
            camel.addComponent("jobqueue", new JobQueueComponent(store, held, settings));
        }
        if (role.api) {
            registry.bind("jobRequests", new JobRequests(lists, store, settings.api().maxBulkJobs(), settings.jobs().maxBytes()));
            registry.bind("apiErrors", new ApiErrors());
            registry.bind("apiHeaders", new ApiHeaders());
        }
        if (role.worker) {
            JobEvents events = new JobEvents(redis.template(), keys.eventsChannel());
            camel.addService(events, true, true);
            registry.bind("jobEvents", events);
            TaskRoutes taskRoutes = new TaskRoutes(camel);
            camel.getManagementStrategy().addEventNotifier(taskRoutes);
            JobRunner runner = new JobRunner(camel, taskRoutes, new DefaultJobProcessor(settings.processor()),
                    settings.jobs().timeoutMs());
            registry.bind("leaseKeeper", new LeaseKeeper(store, held));
            registry.bind("reaper", new Reaper(store, events, settings.lease().maxStalls(), settings.lease().durationMs()));
            registry.bind("retryScheduler", new RetryScheduler(store));
            camel.addComponent("jobevents", new JobEventsComponent(events, keys.eventsChannel()));
            camel.addRoutes(new WorkerRoutes(runner, store, retryPolicy));
            camel.addRoutes(new MaintenanceRoutes(settings));
        }
        camel.addStartupListener(new CollectStartupGarbage());
        if (role.monitor) {
            registry.bind("redisListenerContainer", redis.listenerContainer());
            registry.bind("monitorConsole", new MonitorConsole(System.out));
            camel.addRoutes(new MonitorRoutes());
        }
    }
}
