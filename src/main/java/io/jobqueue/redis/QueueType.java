package io.jobqueue.redis;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** Where a job can be, by the names the API uses ({@code GET /jobs/{queueType}}). */
public enum QueueType {
    QUEUED, PROCESSING, COMPLETED, FAILED,
    /** Waiting out a retry backoff (a sorted set, not a list). */
    DELAYED;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<QueueType> fromApiName(String name) {
        return Arrays.stream(values()).filter(type -> type.apiName().equals(name)).findFirst();
    }

    public static String apiNames() {
        return String.join(", ", Arrays.stream(values()).map(QueueType::apiName).toList());
    }
}
