package io.jobqueue.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

/**
 * The packaged application, run as a user runs it: {@code java [-Dkey=value...] -jar target/redis-job-queue.jar
 * <role>}, from a directory of its own (so it uses the configuration and routes packaged in the jar). Standard
 * output and error go to files in that directory.
 */
public final class JarProcess implements AutoCloseable {

    private static final Path JAR = Path.of("target/redis-job-queue.jar").toAbsolutePath();

    public final Path directory;
    private final Process process;

    private JarProcess(Path directory, Process process) {
        this.directory = directory;
        this.process = process;
    }

    public static JarProcess start(Path directory, String role, Map<String, String> properties,
                                   Map<String, String> environment) throws IOException {
        return start(directory, role, List.of(), properties, environment);
    }

    /** As above, with JVM options before the properties (such as the flags bin/redis-job-queue gives a worker). */
    public static JarProcess start(Path directory, String role, List<String> jvmOptions, Map<String, String> properties,
                                   Map<String, String> environment) throws IOException {
        if (!Files.isRegularFile(JAR)) {
            throw new IllegalStateException(JAR + " is missing: run mvn package (or mvn verify) first");
        }
        Files.createDirectories(directory);
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(jvmOptions);
        properties.forEach((key, value) -> command.add("-D" + key + "=" + value));
        command.add("-jar");
        command.add(JAR.toString());
        command.add(role);
        ProcessBuilder builder = new ProcessBuilder(command).directory(directory.toFile())
                .redirectOutput(directory.resolve("stdout.log").toFile())
                .redirectError(directory.resolve("stderr.log").toFile());
        builder.environment().remove("REDIS_URL");
        builder.environment().putAll(environment);
        return new JarProcess(directory, builder.start());
    }

    public String stdout() throws IOException {
        return Files.readString(directory.resolve("stdout.log"));
    }

    public String stderr() throws IOException {
        return Files.readString(directory.resolve("stderr.log"));
    }

    /** Waits until the process has written {@code text} to standard error (its log). */
    public boolean awaitLog(String text, Duration timeout) throws IOException, InterruptedException {
        return await(() -> stderr().contains(text), timeout);
    }

    public boolean awaitOutput(String text, Duration timeout) throws IOException, InterruptedException {
        return await(() -> stdout().contains(text), timeout);
    }

    private boolean await(IoCondition condition, Duration timeout) throws IOException, InterruptedException {
        long deadline = System.nanoTime() + timeout.toNanos();
        while (System.nanoTime() < deadline) {
            if (condition.holds()) {
                return true;
            }
            if (!process.isAlive()) {
                return condition.holds();
            }
            Thread.sleep(50);
        }
        return condition.holds();
    }

    /**
     * The worker process id it logged at start ({@code <host>-<pid>-<nonce>}, the prefix of its worker ids), or null
     * before its workers started.
     */
    public String workerProcessId() throws IOException {
        String log = stderr();
        String marker = "(worker ids ";
        int at = log.indexOf(marker);
        return at < 0 ? null : log.substring(at + marker.length(), log.indexOf("-1..", at));
    }

    public long pid() {
        return process.pid();
    }

    public boolean isAlive() {
        return process.isAlive();
    }

    /** Waits for the process to end by itself; whether it did within {@code timeout}. */
    public boolean awaitExit(Duration timeout) throws InterruptedException {
        return process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS);
    }

    public int exitCode() {
        return process.exitValue();
    }

    /** SIGTERM, as Ctrl-C or a service manager sends; waits for the exit and returns its code. */
    public int terminate(Duration timeout) throws InterruptedException {
        process.destroy();
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            process.destroyForcibly().waitFor();
            throw new AssertionError("process " + pid() + " did not exit within " + timeout + " of SIGTERM");
        }
        return process.exitValue();
    }

    /** Waits for the process to end by itself; its exit code (the test fails if it does not end in time). */
    public int waitForExit(Duration timeout) throws InterruptedException {
        if (!process.waitFor(timeout.toMillis(), TimeUnit.MILLISECONDS)) {
            throw new AssertionError("process " + pid() + " still runs after " + timeout);
        }
        return process.exitValue();
    }

    /**
     * Sends a signal by name with kill(1): {@code STOP} freezes the whole JVM (as a long GC pause or a suspended VM
     * would; nothing in it runs, its heartbeat included), {@code CONT} lets it go on.
     */
    public void signal(String name) throws IOException, InterruptedException {
        Process kill = new ProcessBuilder("kill", "-" + name, String.valueOf(pid())).redirectErrorStream(true).start();
        if (!kill.waitFor(10, TimeUnit.SECONDS) || kill.exitValue() != 0) {
            throw new IllegalStateException("kill -" + name + " " + pid() + " failed: " + new String(kill.getInputStream().readAllBytes()));
        }
    }

    /**
     * Puts the test task routes for packaged processes ({@code src/test/resources/jar-tasks}: sleep, fail_until) in
     * {@code directory}/routes/tasks, where a worker started there finds them (a local routes folder wins over the
     * jar's). Only for worker processes: an api process there would miss the jar's API routes.
     */
    public static void installTestTasks(Path directory) throws IOException {
        Path tasks = Files.createDirectories(directory.resolve("routes/tasks"));
        try (var yaml = JarProcess.class.getResourceAsStream("/jar-tasks/test-tasks.camel.yaml")) {
            if (yaml == null) {
                throw new IllegalStateException("jar-tasks/test-tasks.camel.yaml is missing from the test classpath");
            }
            Files.write(tasks.resolve("test-tasks.camel.yaml"), yaml.readAllBytes());
        }
    }

    /** SIGKILL: the process dies at once, mid-whatever. */
    public void kill() throws InterruptedException {
        process.destroyForcibly().waitFor();
    }

    @Override
    public void close() throws InterruptedException {
        if (process.isAlive()) {
            process.destroyForcibly().waitFor();
        }
    }

    private interface IoCondition {
        boolean holds() throws IOException;
    }
}
