package io.jobqueue;

import java.nio.file.Path;

import io.jobqueue.api.ApiErrors;
import io.jobqueue.api.ApiHeaders;
import io.jobqueue.api.JobRequests;
import io.jobqueue.duties.DelayedJobsPromoter;
import io.jobqueue.duties.Heartbeat;
import io.jobqueue.duties.OrphanSweep;
import io.jobqueue.duties.Reaper;
import io.jobqueue.events.JobEvents;
import io.jobqueue.events.JobEventsComponent;
import io.jobqueue.job.RetryPolicy;
import io.jobqueue.monitor.MonitorConsole;
import io.jobqueue.monitor.MonitorRoutes;
import io.jobqueue.redis.EmbeddedRedis;
import io.jobqueue.redis.JobIntake;
import io.jobqueue.redis.JobLists;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.RedisKeys;
import io.jobqueue.redis.RedisSetup;
import io.jobqueue.redis.RedisUrl;
import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.worker.DefaultJobProcessor;
import io.jobqueue.worker.JobQueueComponent;
import io.jobqueue.worker.JobRunner;
import io.jobqueue.worker.TaskRoutes;
import io.jobqueue.worker.WorkerIdentity;
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
 * the connection pools, then the store, the event publisher and the background duties; routes (the workers among
 * them) stop before any of them, so that every duty outlives the jobs in hand.
 */
final class JobQueueConfiguration implements CamelConfiguration {

    private final Role role;

    JobQueueConfiguration(Role role) {
        this.role = role;
    }

    /**
     * The worker side's services: the event publisher and the background duties. Services stop in the
     * reverse order they are added, after the routes: the orphan sweep, the delayed-jobs promoter, the reaper, then the
     * heartbeat (which keeps this process alive until the workers have finished or handed back their jobs, then
     * deregisters it), then the event publisher, the store and Redis.
     */
    private static Heartbeat addWorkerServices(CamelContext camel, JobQueueSettings settings, RedisSetup redis, RedisKeys keys,
                                               JobStore store, JobLists lists, WorkerIdentity identity) throws Exception {
        Registry registry = camel.getRegistry();
        JobEvents events = new JobEvents(redis.template(), keys.eventsChannel());
        camel.addService(events, true, true);
        registry.bind("jobEvents", events);
        camel.addComponent("jobevents", new JobEventsComponent(events, keys.eventsChannel()));

        JobQueueSettings.Liveness liveness = settings.liveness();
        // a buried process's blocking take may land up to its poll timeout (plus the network's delay) after the burial
        long relookMs = 2 * (settings.worker().pollTimeoutSeconds() + 3) * 1000L;
        WorkerRegistry workers = new WorkerRegistry(redis.template(), keys, liveness.heartbeatTimeoutMs(), relookMs);
        Heartbeat heartbeat = new Heartbeat(workers, identity, liveness.heartbeatIntervalMs());
        camel.addService(heartbeat, true, true);
        camel.addService(new Reaper(workers, store, identity, liveness.maxStalls(), liveness.reaperIntervalMs(),
                liveness.confirmMs()), true, true);
        camel.addService(new DelayedJobsPromoter(store, settings.schedulerIntervalMs()), true, true);
        camel.addService(new OrphanSweep(lists, ORPHAN_SWEEP_INTERVAL_MS), true, true);
        return heartbeat;
    }

    /** The worker route (take, start, run, move) and what runs a job's logic. */
    private static void addWorkerRoutes(CamelContext camel, JobQueueSettings settings, JobStore store, RetryPolicy retryPolicy)
            throws Exception {
        TaskRoutes taskRoutes = new TaskRoutes(camel);
        camel.getManagementStrategy().addEventNotifier(taskRoutes);
        JobRunner runner = new JobRunner(camel, taskRoutes, new DefaultJobProcessor(settings.processor()),
                settings.jobs().timeoutMs(), 2 * settings.worker().concurrency());
        camel.addRoutes(new WorkerRoutes(runner, store, retryPolicy));
    }

    private static final long ORPHAN_SWEEP_INTERVAL_MS = 30_000;

    @Override
    public void configure(CamelContext camel) throws Exception {
        JobQueueSettings settings = JobQueueSettings.of(camel);
        Registry registry = camel.getRegistry();

        RedisUrl url;
        if (settings.redis().url().isPresent()) {
            url = RedisUrl.parse(settings.redis().url().get());
        } else {
            EmbeddedRedis embedded = EmbeddedRedis.prepare(settings.redis().embeddedPort(), Path.of(settings.redis().embeddedDir()));
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

        if (role.api || role.worker) {
            long callTimeoutMs = settings.redis().timeoutMs() + 500L;
            JobIntake intake = new JobIntake(redis.template(), keys, settings.api().idempotencyTtlMs(), callTimeoutMs);
            camel.addService(intake, true, true);
            JobStore store = null;
            Heartbeat heartbeat = null;
            WorkerIdentity identity = null;
            if (role.worker) {
                JobQueueSettings.Retention retention = settings.retention();
                store = new JobStore(redis.template(), redis.blockingTemplate(), keys,
                        new JobStore.Retention(retention.completedMaxCount(), retention.completedMaxAgeMs(),
                                retention.failedMaxCount(), retention.failedMaxAgeMs()), callTimeoutMs);
                camel.addService(store, true, true);
                registry.bind("jobStore", store);
                identity = new WorkerIdentity();
                heartbeat = addWorkerServices(camel, settings, redis, keys, store, lists, identity);
            }
            camel.addComponent("jobqueue", new JobQueueComponent(intake, store, heartbeat, identity, settings));
            if (role.worker) {
                addWorkerRoutes(camel, settings, store, new RetryPolicy(settings.retry()));
            }
            if (role.api) {
                registry.bind("jobRequests", new JobRequests(lists, settings.api().maxBulkJobs(), settings.jobs().maxBytes()));
                registry.bind("apiErrors", new ApiErrors());
                registry.bind("apiHeaders", new ApiHeaders());
            }
        }
        camel.addStartupListener(new CollectStartupGarbage());
        if (role.monitor) {
            registry.bind("redisListenerContainer", redis.listenerContainer());
            registry.bind("monitorConsole", new MonitorConsole(System.out));
            camel.addRoutes(new MonitorRoutes());
        }
    }
}
