package io.jobqueue.worker;

import io.jobqueue.JobQueueSettings;
import io.jobqueue.duties.Heartbeat;
import io.jobqueue.redis.JobIntake;
import io.jobqueue.redis.JobStore;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** One queue, as a Camel endpoint. Option: {@code concurrency} (default {@code jobqueue.worker.concurrency}). */
public final class JobQueueEndpoint extends DefaultEndpoint {

    private final JobIntake intake;
    private final JobStore store;
    private final Heartbeat heartbeat;
    private final WorkerIdentity identity;
    private final JobQueueSettings settings;
    private int concurrency;

    JobQueueEndpoint(String uri, JobQueueComponent component, JobIntake intake, JobStore store, Heartbeat heartbeat,
                     WorkerIdentity identity, JobQueueSettings settings) {
        super(uri, component);
        this.intake = intake;
        this.store = store;
        this.heartbeat = heartbeat;
        this.identity = identity;
        this.settings = settings;
        this.concurrency = settings.worker().concurrency();
    }

    public int getConcurrency() {
        return concurrency;
    }

    /** How many jobs this process runs at once, each on its own thread with its own Redis connection. */
    public void setConcurrency(int concurrency) {
        this.concurrency = concurrency;
    }

    @Override
    public Consumer createConsumer(Processor processor) throws Exception {
        if (store == null) {
            throw new IllegalStateException(getEndpointUri() + ": this process runs no workers (its role only enqueues)");
        }
        JobQueueConsumer consumer = new JobQueueConsumer(this, processor, store, heartbeat, identity, settings.worker(),
                settings.jobs().maxBytes(), concurrency);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        return new JobQueueProducer(this, intake);
    }
}
