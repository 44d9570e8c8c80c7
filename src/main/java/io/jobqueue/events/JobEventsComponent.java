package io.jobqueue.events;

import java.util.Map;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import org.apache.camel.Endpoint;
import org.apache.camel.Exchange;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultComponent;
import org.apache.camel.support.DefaultEndpoint;
import org.apache.camel.support.DefaultProducer;

/**
 * The {@code jobevents:} component: {@code wireTap("jobevents:job_status")} publishes the body, a Job, as an event on
 * that channel. A direct producer rather than a route behind {@code direct:}, because every status change of every
 * job passes here and a route hop per event showed up in the profile.
 */
public final class JobEventsComponent extends DefaultComponent {

    private final JobEvents events;
    private final String channel;

    public JobEventsComponent(JobEvents events, String channel) {
        this.events = events;
        this.channel = channel;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String remaining, Map<String, Object> parameters) {
        if (!remaining.equals(channel)) {
            throw new IllegalArgumentException("jobevents:" + remaining + ": this process publishes on '" + channel
                    + "' (jobqueue.events-channel)");
        }
        return new DefaultEndpoint(uri, this) {
            @Override
            public Producer createProducer() {
                return new DefaultProducer(this) {
                    @Override
                    public void process(Exchange exchange) {
                        Job job = exchange.getMessage().getBody(Job.class);
                        if (exchange.getProperty(JobEvents.READY) instanceof JobEvent.Ready ready && ready.job() == job) {
                            events.publish(ready.json());
                        } else {
                            events.publish(job);
                        }
                    }
                };
            }

            @Override
            public org.apache.camel.Consumer createConsumer(org.apache.camel.Processor processor) {
                throw new UnsupportedOperationException("jobevents: publishes only; subscribe with spring-redis");
            }
        };
    }
}
