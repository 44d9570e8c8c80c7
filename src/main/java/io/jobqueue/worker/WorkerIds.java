package io.jobqueue.worker;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;

/** Worker ids unique across processes and hosts: {@code <host>-<pid>-<n>}. */
final class WorkerIds {

    static final String PROCESS_PREFIX = hostName() + "-" + ProcessHandle.current().pid();

    private WorkerIds() {
    }

    // InetAddress.getLocalHost() may wait on DNS, so the cheap sources come first
    private static String hostName() {
        String name = System.getenv("HOSTNAME");
        if (name == null || name.isBlank()) {
            try {
                name = Files.readString(Path.of("/proc/sys/kernel/hostname")).trim();
            } catch (IOException | RuntimeException e) {
                name = null;
            }
        }
        if (name == null || name.isBlank()) {
            try {
                name = InetAddress.getLocalHost().getHostName();
            } catch (IOException e) {
                name = "localhost";
            }
        }
        return name;
    }
}
