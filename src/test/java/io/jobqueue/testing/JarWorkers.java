package io.jobqueue.testing;

import java.io.IOException;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;

/**
 * Worker processes of the packaged jar that share one queue of their own on the test Redis, each run from a directory
 * of its own with the test task routes ({@link JarProcess#installTestTasks}) and the JVM flags bin/redis-job-queue gives
 * a worker. Whatever is still running at {@link #close} is killed.
 */
public final class JarWorkers implements AutoCloseable {

    /** What bin/redis-job-queue runs a worker with (less start-up CPU on two cores, where several JVMs start at once). */
    private static final List<String> WORKER_JVM_FLAGS = List.of("-XX:+UseSerialGC", "-XX:TieredStopAtLevel=1");

    public final String queue;
    public final String channel;
    private final Path work;
    private final List<JarProcess> started = new ArrayList<>();

    public JarWorkers(Path work, String queuePrefix) {
        this.work = work;
        this.queue = queuePrefix + "_" + UUID.randomUUID().toString().substring(0, 8);
        this.channel = queue + ":status";
    }

    /** Starts {@code java -jar ... worker} with these settings (on top of the queue's names) and environment. */
    public JarProcess start(String name, Map<String, String> settings, Map<String, String> environment) throws IOException {
        Path directory = work.resolve(name);
        JarProcess.installTestTasks(directory);
        Map<String, String> all = new HashMap<>(settings);
        all.put("jobqueue.queue-name", queue);
        all.put("jobqueue.events-channel", channel);
        Map<String, String> env = new HashMap<>(environment);
        env.put("REDIS_URL", TestRedis.url());
        JarProcess process = JarProcess.start(directory, "worker", WORKER_JVM_FLAGS, all, env);
        started.add(process);
        return process;
    }

    public JarProcess start(String name, Map<String, String> settings) throws IOException {
        return start(name, settings, Map.of());
    }

    /** Waits until each process's workers take jobs; fails with its log otherwise. */
    public static void awaitReady(JarProcess... processes) throws IOException, InterruptedException {
        for (JarProcess process : processes) {
            if (!process.awaitLog("workers taking jobs", Duration.ofSeconds(90))) {
                throw new AssertionError("worker process " + process.pid() + " did not start:\n" + process.stderr());
            }
        }
    }

    /** The process (of those given) that a worker id belongs to. */
    public static JarProcess owner(String workerId, JarProcess... processes) throws IOException {
        for (JarProcess process : processes) {
            String id = process.workerProcessId();
            if (id != null && workerId.startsWith(id + "-")) {
                return process;
            }
        }
        throw new AssertionError(workerId + " belongs to none of the processes");
    }

    /** A job as another client would LPUSH it. */
    public static String job(String id, String data) {
        return "{\"id\":\"" + id + "\",\"data\":" + data + ",\"status\":\"queued\",\"attempts\":0}";
    }

    /** A job of the {@code sleep} test task. */
    public static String sleepJob(String id, long ms) {
        return job(id, "{\"task\":\"sleep\",\"ms\":" + ms + "}");
    }

    @Override
    public void close() throws InterruptedException {
        for (JarProcess process : started) {
            process.close();
        }
    }
}
