package io.jobqueue;

import java.util.Arrays;
import java.util.Locale;
import java.util.stream.Collectors;

/**
 * What one process does. The seed's producer, consumers and monitor are separate processes that share only Redis;
 * {@code all} runs the first two together.
 */
public enum Role {
    /** The HTTP intake and API, and the workers. */
    ALL(true, true, false),
    /** Only the HTTP intake and API. */
    API(true, false, false),
    /** Only workers (as many processes as you like, on any host). */
    WORKER(false, true, false),
    /** The CLI that prints the event stream and queue statistics. */
    MONITOR(false, false, true);

    final boolean api;
    final boolean worker;
    final boolean monitor;

    Role(boolean api, boolean worker, boolean monitor) {
        this.api = api;
        this.worker = worker;
        this.monitor = monitor;
    }

    static boolean isRoleName(String word) {
        return Arrays.stream(values()).anyMatch(role -> role.name().equalsIgnoreCase(word));
    }

    static Role parse(String word) {
        return valueOf(word.toUpperCase(Locale.ROOT));
    }

    static String names() {
        return Arrays.stream(values()).map(role -> role.name().toLowerCase(Locale.ROOT)).collect(Collectors.joining("|"));
    }
}
