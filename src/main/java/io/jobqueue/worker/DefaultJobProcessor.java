package io.jobqueue.worker;

import java.util.concurrent.ThreadLocalRandom;

import io.jobqueue.JobQueueSettings;
import io.jobqueue.job.ObjectJson;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;

/**
 * The seed's demo processing, for jobs whose task has no route: it takes a random time between the configured
 * minimum and maximum and fails with the configured probability ("Random processing error").
 * The result says how long it took.
 */
public final class DefaultJobProcessor implements Processor {

    private final JobQueueSettings.Processor settings;

    public DefaultJobProcessor(JobQueueSettings.Processor settings) {
        this.settings = settings;
    }

    @Override
    public void process(Exchange exchange) throws Exception {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        long min = settings.minDurationMs();
        long max = Math.max(min, settings.maxDurationMs());
        long duration = min == max ? min : random.nextLong(min, max + 1);
        if (duration > 0) {
            Thread.sleep(duration);
        }
        if (settings.failureRate() > 0 && random.nextDouble() < settings.failureRate()) {
            throw new IllegalStateException("Random processing error");
        }
        // written as JSON text: a Map would go through Jackson's databind for every job
        exchange.getMessage().setBody(new ObjectJson("{\"processed\":true,\"durationMs\":" + duration + "}"));
    }
}
