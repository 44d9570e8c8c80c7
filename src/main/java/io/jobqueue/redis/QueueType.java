package io.jobqueue.redis;

import java.util.Arrays;
import java.util.Locale;
import java.util.Optional;

/** The lists a job can be in, by the names the API uses ({@code GET /jobs/{queueType}}). */
public enum QueueType {
    QUEUED, PROCESSING, COMPLETED, FAILED;

    public String apiName() {
        return name().toLowerCase(Locale.ROOT);
    }

    public static Optional<QueueType> fromApiName(String name) {
        return Arrays.stream(values()).filter(type -> type.apiName().equals(name)).findFirst();
    }
}
