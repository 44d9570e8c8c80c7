package io.jobqueue.worker;

import java.util.Map;

import io.jobqueue.JobQueueSettings;
import io.jobqueue.duties.Heartbeat;
import io.jobqueue.redis.JobIntake;
import io.jobqueue.redis.JobStore;
import org.apache.camel.Endpoint;
import org.apache.camel.support.DefaultComponent;

/**
 * The {@code jobqueue:} component: {@code from("jobqueue:job_queue")} runs workers that take jobs from the queue,
 * one exchange per job; {@code to("jobqueue:job_queue")} enqueues the message body as a new job's data, so jobs can
 * come in from any Camel endpoint.
 */
public final class JobQueueComponent extends DefaultComponent {

    private final JobIntake intake;
    private final JobStore store;
    private final Heartbeat heartbeat;
    private final WorkerIdentity identity;
    private final JobQueueSettings settings;

    /** {@code store}, {@code heartbeat} and {@code identity} are null in a process that only enqueues (the api role). */
    public JobQueueComponent(JobIntake intake, JobStore store, Heartbeat heartbeat, WorkerIdentity identity,
                             JobQueueSettings settings) {
        this.intake = intake;
        this.store = store;
        this.heartbeat = heartbeat;
        this.identity = identity;
        this.settings = settings;
    }

    @Override
    protected Endpoint createEndpoint(String uri, String queueName, Map<String, Object> parameters) throws Exception {
        if (!queueName.equals(settings.queueName())) {
            throw new IllegalArgumentException("jobqueue:" + queueName + ": this process serves the queue '"
                    + settings.queueName() + "' (jobqueue.queue-name)");
        }
        JobQueueEndpoint endpoint = new JobQueueEndpoint(uri, this, intake, store, heartbeat, identity, settings);
        setProperties(endpoint, parameters);
        return endpoint;
    }
}
