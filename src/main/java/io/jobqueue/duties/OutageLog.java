package io.jobqueue.duties;

import org.slf4j.Logger;

/**
 * Logs a background duty's Redis trouble once per outage, not once per tick: a warning when it starts failing and a
 * line when it works again.
 */
public final class OutageLog {

    private final Logger log;
    private final String duty;
    private volatile boolean failing;

    public OutageLog(Logger log, String duty) {
        this.log = log;
        this.duty = duty;
    }

    public void failed(Throwable cause) {
        if (!failing) {
            failing = true;
            log.warn("{}: {}; will keep trying", duty, cause.toString());
        }
    }

    public void succeeded() {
        if (failing) {
            failing = false;
            log.info("{}: working again", duty);
        }
    }
}
