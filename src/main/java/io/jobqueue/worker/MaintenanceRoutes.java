package io.jobqueue.worker;

import io.jobqueue.JobQueueSettings;
import org.apache.camel.builder.RouteBuilder;

/**
 * The background duties of a worker process, each a timer route that calls one bean (started and stopped with the
 * routes):
 * <pre>
 *   lease-keeper   every lease/3      renew the leases of the jobs this process holds   LeaseKeeper
 *   reaper         reaper interval    give stalled jobs back to the queue (or fail them) Reaper
 *   scheduler      scheduler interval move jobs whose retry backoff is over to the queue  RetryScheduler
 * </pre>
 */
public final class MaintenanceRoutes extends RouteBuilder {

    private final JobQueueSettings settings;

    public MaintenanceRoutes(JobQueueSettings settings) {
        this.settings = settings;
    }

    @Override
    public void configure() {
        long renewEvery = Math.max(1, settings.lease().durationMs() / 3);
        // each timer's first tick comes after one period (not Camel's default second): a lease shorter than a
        // second must be renewed before it runs out
        from("timer:lease-keeper?delay=" + renewEvery + "&period=" + renewEvery)
                .routeId("lease-keeper")
                .bean("leaseKeeper", "renewLeases");

        from("timer:reaper?delay=" + settings.lease().reaperIntervalMs() + "&period=" + settings.lease().reaperIntervalMs())
                .routeId("reaper")
                .bean("reaper", "reclaimStalledJobs");

        from("timer:scheduler?delay=" + settings.schedulerIntervalMs() + "&period=" + settings.schedulerIntervalMs())
                .routeId("scheduler")
                .bean("retryScheduler", "promoteDueJobs");
    }
}
