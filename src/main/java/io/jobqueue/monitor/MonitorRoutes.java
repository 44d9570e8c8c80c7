package io.jobqueue.monitor;

import org.apache.camel.builder.RouteBuilder;

/**
 * The monitor CLI: every event on the events channel as one line, and the length of every list at least once a
 * second, on standard output (logs go to standard error).
 */
public final class MonitorRoutes extends RouteBuilder {

    @Override
    public void configure() {
        from("spring-redis://localhost:0?command=SUBSCRIBE&channels={{jobqueue.events-channel}}"
                + "&listenerContainer=#redisListenerContainer&serializer=#stringRedisSerializer")
                .routeId("monitor-events")
                .bean("monitorConsole", "printEvent");

        from("timer:monitor-stats?period=1000")
                .routeId("monitor-stats")
                .bean("jobLists", "stats")
                .bean("monitorConsole", "printStats");
    }
}
