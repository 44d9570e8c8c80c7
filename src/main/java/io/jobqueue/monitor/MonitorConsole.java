package io.jobqueue.monitor;

import java.io.PrintStream;
import java.time.LocalTime;
import java.time.format.DateTimeFormatter;
import java.util.Map;
import java.util.stream.Collectors;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;

/**
 * Formats what the monitor shows, one line each:
 * <pre>
 *   10:00:01.004  processing  job_1700000000000_abc123def  worker=host-4242-1
 *   10:00:02.000  stats       queued=5 processing=2 completed=10 failed=1
 * </pre>
 */
public final class MonitorConsole {

    private static final DateTimeFormatter TIME = DateTimeFormatter.ofPattern("HH:mm:ss.SSS");

    private final PrintStream out;

    public MonitorConsole(PrintStream out) {
        this.out = out;
    }

    public void printEvent(String event) {
        StringBuilder line = new StringBuilder(now()).append("  ");
        try {
            JsonNode json = JobJson.read(event);
            line.append(String.format("%-11s %s", text(json, "status"), text(json, "jobId")));
            appendIfPresent(line, json, "workerId", "worker");
            appendIfPresent(line, json, "attempt", "attempt");
            appendIfPresent(line, json, "error", "error");
        } catch (IllegalArgumentException notJson) {
            line.append("?           ").append(event);
        }
        out.println(line);
    }

    public void printStats(Map<String, Long> stats) {
        String counts = stats.entrySet().stream()
                .map(entry -> entry.getKey() + "=" + entry.getValue())
                .collect(Collectors.joining(" "));
        out.println(now() + "  " + String.format("%-11s %s", "stats", counts));
    }

    private static void appendIfPresent(StringBuilder line, JsonNode json, String field, String label) {
        JsonNode value = json.get(field);
        if (value != null && !value.isNull()) {
            line.append("  ").append(label).append('=').append(value.asText());
        }
    }

    private static String text(JsonNode json, String field) {
        JsonNode value = json.get(field);
        return value == null ? "?" : value.asText();
    }

    private static String now() {
        return LocalTime.now().format(TIME);
    }
}
