package io.jobqueue.worker;

import org.slf4j.Logger;

/** Exponential pauses for a loop that cannot reach Redis: 100 ms doubling up to 5 s, logged once per outage. */
final class Backoff {

    private final long initialMs;
    private final long maxMs;
    private long nextMs;

    Backoff(long initialMs, long maxMs) {
        this.initialMs = initialMs;
        this.maxMs = maxMs;
        this.nextMs = initialMs;
    }

    void reset() {
        nextMs = initialMs;
    }

    /** Logs the first failure of an outage (later ones at debug), then sleeps. */
    void pause(Logger log, String what, Throwable cause) {
        if (nextMs == initialMs) {
            log.warn("{}: {}; retrying with backoff up to {} ms", what, cause.toString(), maxMs);
        } else {
            log.debug("{}: {}", what, cause.toString());
        }
        try {
            Thread.sleep(nextMs);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
        }
        nextMs = Math.min(maxMs, nextMs * 2);
    }
}
