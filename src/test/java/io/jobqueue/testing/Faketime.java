package io.jobqueue.testing;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;

import org.junit.jupiter.api.Assumptions;

/**
 * libfaketime (Debian's {@code faketime} package): a process started with it preloaded sees its clock shifted, as a
 * host whose clock is off would, while every other process keeps the real time. Java reads the time through the C
 * library, so {@code System.currentTimeMillis()} and the log timestamps of such a JVM are shifted.
 */
public final class Faketime {

    private static final List<Path> LIBRARIES = List.of(
            Path.of("/usr/lib/x86_64-linux-gnu/faketime/libfaketime.so.1"),
            Path.of("/usr/lib/aarch64-linux-gnu/faketime/libfaketime.so.1"),
            Path.of("/usr/lib/faketime/libfaketime.so.1"),
            Path.of("/usr/local/lib/faketime/libfaketime.so.1"));

    private Faketime() {
    }

    /**
     * The environment that shifts a process's clock by {@code offset} (libfaketime's syntax: "-30s", "+2m"). Installs the
     * faketime package with apt-get when it is missing; when it cannot, the calling test is skipped (not failed), and
     * says why.
     */
    public static Map<String, String> shiftedBy(String offset) {
        Path library = find();
        if (library == null) {
            String tried = install();
            library = find();
            Assumptions.assumeTrue(library != null, "SKIPPED: this test shifts one process's clock with libfaketime, which "
                    + "is not installed and could not be installed (" + tried + "); install it with "
                    + "'apt-get install faketime' to run it");
        }
        return Map.of("LD_PRELOAD", library.toString(), "FAKETIME", offset);
    }

    private static Path find() {
        return LIBRARIES.stream().filter(Files::isRegularFile).findFirst().orElse(null);
    }

    /** Tries apt-get install faketime (after apt-get update if the first try fails); says what happened. */
    private static String install() {
        String first = run("apt-get", "install", "-y", "-q", "--no-install-recommends", "faketime");
        if (find() != null) {
            return first;
        }
        run("apt-get", "update", "-q");
        return run("apt-get", "install", "-y", "-q", "--no-install-recommends", "faketime");
    }

    private static String run(String... command) {
        try {
            ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true)
                    .redirectOutput(ProcessBuilder.Redirect.DISCARD);
            builder.environment().put("DEBIAN_FRONTEND", "noninteractive");
            Process process = builder.start();
            if (!process.waitFor(180, TimeUnit.SECONDS)) {
                process.destroyForcibly();
                return String.join(" ", command) + " took over 3 minutes";
            }
            return String.join(" ", command) + " exited with " + process.exitValue();
        } catch (IOException e) {
            return String.join(" ", command) + " could not run: " + e.getMessage();
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            return String.join(" ", command) + " was interrupted";
        }
    }
}
