package io.jobqueue.worker;

import io.jobqueue.JobQueueSettings;
import io.jobqueue.redis.JobStore;
import org.apache.camel.Consumer;
import org.apache.camel.Processor;
import org.apache.camel.Producer;
import org.apache.camel.support.DefaultEndpoint;

/** One queue, as a Camel endpoint. Option: {@code concurrency} (default {@code jobqueue.worker.concurrency}). */
public final class JobQueueEndpoint extends DefaultEndpoint {

    private final JobStore store;
    private final HeldJobs held;
    private final JobQueueSettings settings;
    private int concurrency;

    JobQueueEndpoint(String uri, JobQueueComponent component, JobStore store, HeldJobs held, JobQueueSettings settings) {
        super(uri, component);
        this.store = store;
        this.held = held;
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
        JobQueueConsumer consumer = new JobQueueConsumer(this, processor, store, held, settings.worker(), concurrency);
        configureConsumer(consumer);
        return consumer;
    }

    @Override
    public Producer createProducer() {
        return new JobQueueProducer(this, store);
    }
}
