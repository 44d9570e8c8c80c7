package io.jobqueue.worker;

import java.io.IOException;
import java.net.InetAddress;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.SecureRandom;
import java.util.concurrent.ThreadLocalRandom;

/**
 * Who this process is among the workers of a queue: {@code <host>-<pid>-<nonce>}, and its worker threads
 * {@code <process>-<n>}. The nonce tells apart two lives of one pid (a container restarted keeps its host name and
 * pid 1). A process that learns it was taken for dead (a reaper gave its jobs away while it was silent) takes a new
 * nonce: what the old one held belongs to others now, and nothing it does can claim it back.
 */
public final class WorkerIdentity {

    private static final char[] BASE36 = "0123456789abcdefghijklmnopqrstuvwxyz".toCharArray();
    private static final SecureRandom RANDOM = new SecureRandom();

    private final String hostAndPid = hostName() + "-" + ProcessHandle.current().pid();
    private volatile String processId = hostAndPid + "-" + nonce();

    public String processId() {
        return processId;
    }

    public String workerId(int thread) {
        return processId + "-" + thread;
    }

    /** The process a worker id belongs to ({@code <process>-<n>}). */
    public static String processOf(String workerId) {
        return workerId.substring(0, workerId.lastIndexOf('-'));
    }

    /** A new life: a new process id, under which the process registers again. */
    public synchronized String renew() {
        processId = hostAndPid + "-" + nonce();
        return processId;
    }

    /**
     * A token for one hold of a job by {@code processId} (a reservation, or a reaper's claim): what lets its holder
     * move it, {@code <process id>/<random>}; the scripts read the holding process from it. It must be unique, not
     * secret (one is made per job, so it comes from the cheap generator).
     */
    public static String newRun(String processId) {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        char[] chars = new char[10];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = BASE36[random.nextInt(BASE36.length)];
        }
        return processId + "/" + new String(chars);
    }

    private static String nonce() {
        char[] chars = new char[4];
        for (int i = 0; i < chars.length; i++) {
            chars[i] = BASE36[RANDOM.nextInt(BASE36.length)];
        }
        return new String(chars);
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
