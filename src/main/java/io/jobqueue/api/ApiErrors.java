package io.jobqueue.api;

import java.util.List;
import java.util.Map;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import io.jobqueue.redis.JobIntake;
import io.jobqueue.redis.RedisSetup;
import org.apache.camel.Exchange;
import org.apache.camel.Message;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Turns an exception in an API route into an HTTP answer with a JSON body {@code {"error": "..."}}: the client's
 * mistakes are 4xx with what is wrong, Redis being unreachable is 503, anything else is a 500 that says only that
 * (the stack trace goes to the log, not to the client).
 */
public final class ApiErrors {

    private static final Logger LOG = LoggerFactory.getLogger(ApiErrors.class);

    public void respond(Exchange exchange) {
        Throwable error = exchange.getProperty(Exchange.EXCEPTION_CAUGHT, Throwable.class);
        int status;
        String message;
        if (error instanceof ApiException api) {
            status = api.status();
            message = api.getMessage();
        } else if (error instanceof IllegalArgumentException invalid) {
            status = 400;
            message = invalid.getMessage();
        } else if (error instanceof JobIntake.PartlyEnqueuedException partly) {
            status = 503;
            List<String> ids = partly.enqueued().stream().map(Job::id).toList();
            respond(exchange, status, Map.of("error", "Redis failed midway: the first " + ids.size()
                    + " jobs were enqueued, the rest were not", "enqueued", ids.size(), "ids", ids));
            LOG.warn("Bulk enqueue failed midway: {}", error.toString());
            return;
        } else if (RedisSetup.isOutOfMemory(error)) {
            status = 503;
            message = "Redis is out of memory and refuses new jobs until memory is freed; try again later";
            LOG.warn("{} {}: {}", exchange.getMessage().getHeader(Exchange.HTTP_METHOD),
                    exchange.getMessage().getHeader(Exchange.HTTP_PATH), error.toString());
        } else if (RedisSetup.isTransient(error)) {
            status = 503;
            message = "Redis is unavailable; try again shortly";
            LOG.warn("{} {}: {}", exchange.getMessage().getHeader(Exchange.HTTP_METHOD),
                    exchange.getMessage().getHeader(Exchange.HTTP_PATH), error.toString());
        } else {
            status = 500;
            message = "internal error";
            LOG.error("Request failed", error);
        }
        respond(exchange, status, Map.of("error", message));
    }

    private static void respond(Exchange exchange, int status, Map<String, Object> body) {
        Message reply = exchange.getMessage();
        reply.removeHeaders("*");
        reply.setHeader(Exchange.HTTP_RESPONSE_CODE, status);
        reply.setHeader(Exchange.CONTENT_TYPE, "application/json");
        reply.setBody(JobJson.write(body));
    }
}
