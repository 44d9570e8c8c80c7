package io.jobqueue.fuzz;

import java.util.ArrayList;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;
import java.util.TreeMap;

/**
 * What the fuzzer did and what came of it: every job the API accepted, every value pushed straight into Redis, the
 * idempotency keys and the jobs they made, answers by status, and what went wrong. The end checks compare it with
 * what Redis holds.
 */
final class Ledger {

    /** A broken expectation; {@code kind} groups the same failure, {@code knownBug} names a reported bug it matches. */
    record Finding(String kind, String detail, String knownBug) {
    }

    /** Ids the API answered 201 (or 200 for an idempotent repeat) for, and how each came in. */
    final Map<String, String> acceptedIds = new LinkedHashMap<>();
    /** Ids of well-formed jobs pushed straight into the queue (each once, or deliberately twice: it runs once). */
    final Set<String> pushedJobIds = new LinkedHashSet<>();
    /** The pushed jobs, to push one again as a copy. */
    final List<byte[]> pushedJobs = new ArrayList<>();
    /** Values pushed into the queue that may or may not be jobs: each must end as one record (a job's, or a not-a-job record). */
    int hostileValuesPushed;
    /** Of those, the ones that are certainly not jobs: each must end as a record of a value that was not a job. */
    int notJobsPushed;
    /**
     * Values pushed straight into the completed and failed lists. Each stays as it is, runs once if it is a job and is
     * retried, or is trimmed away: it has no record of its own, so retention takes it for expired once it is the oldest.
     */
    final List<byte[]> listValuesPushed = new ArrayList<>();
    /** Copies pushed of jobs pushed before: each must be dropped unrun. */
    int copiesPushed;
    /** Idempotency keys and the job each made. */
    final Map<String, String> jobByIdempotencyKey = new HashMap<>();
    final Map<Integer, Integer> statuses = new TreeMap<>();
    /**
     * Job intake requests answered 503. When Redis did not answer in time the job may have been made all the same
     * (the README says so: the client repeats with its Idempotency-Key): each may leave one job no answer told of.
     */
    int intakeUnavailable;
    int closedWithoutAnswer;
    int requests;
    /** Reported bugs the run ran into (by name), which do not fail it. */
    final Map<String, Integer> knownBugsSeen = new TreeMap<>();
    /** The first request of each kind of failure, made as small as it would go, with what went wrong. */
    final Map<String, String> failures = new LinkedHashMap<>();
    final Map<String, Integer> failureCounts = new TreeMap<>();

    void accepted(String id, String how, List<Ledger.Finding> findings) {
        if (acceptedIds.containsKey(id)) {
            findings.add(new Finding("an id accepted twice", id + ": " + acceptedIds.get(id) + ", then " + how, null));
        }
        acceptedIds.put(id, how);
    }

    String someAcceptedId(Random random) {
        if (acceptedIds.isEmpty()) {
            return "job_0_none";
        }
        int skip = random.nextInt(acceptedIds.size());
        return acceptedIds.keySet().stream().skip(skip).findFirst().orElseThrow();
    }

    String summary() {
        StringBuilder out = new StringBuilder();
        out.append(requests).append(" requests, answers by status ").append(statuses)
                .append(", job intake answered 503 ").append(intakeUnavailable)
                .append(", closed without an answer (allowed) ").append(closedWithoutAnswer).append('\n');
        out.append(acceptedIds.size()).append(" jobs accepted over HTTP; pushed into Redis: ").append(pushedJobIds.size())
                .append(" jobs, ").append(copiesPushed).append(" copies, ").append(hostileValuesPushed)
                .append(" hostile values into the queue, ").append(listValuesPushed.size()).append(" into completed and failed\n");
        if (!knownBugsSeen.isEmpty()) {
            out.append("bugs reported earlier met again (failing the run): ").append(knownBugsSeen).append('\n');
        }
        return out.toString();
    }
}
