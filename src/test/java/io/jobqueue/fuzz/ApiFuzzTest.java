package io.jobqueue.fuzz;

import static org.junit.jupiter.api.Assertions.assertTrue;

import java.io.IOException;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.Set;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.Role;
import io.jobqueue.fuzz.Ledger.Finding;
import io.jobqueue.job.JobJson;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.RunningApp;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.params.ScanParams;
import redis.clients.jedis.resps.ScanResult;

/**
 * Fuzzes the running application (API and two workers in this JVM, a real Redis) with generated requests and values
 * (see {@link RequestFactory}, {@link Hostile}): bodies, paths, queries, headers and framing bent every way a client
 * gets them wrong, and values pushed straight into the queue (and the failed and completed lists) as another client
 * would, many of them not jobs, not JSON or not text. Each answer is checked as it comes ({@link AnswerCheck}); after
 * the last try:
 * <ul>
 * <li>every worker thread still takes jobs: two slow probe jobs run at the same time on two different workers;</li>
 * <li>the queue, processing, delayed and every reserved list drain;</li>
 * <li>every job the API accepted, and every job pushed, is in exactly one of completed and failed (a copy pushed of a
 * job runs once); every other value pushed ends as exactly one record; nothing else is there, but for as many jobs no
 * answer told of as job intake requests were answered 503 (Redis may have made the job and lost only its reply);</li>
 * <li>GET /jobs/stats still answers, and agrees.</li>
 * </ul>
 * A failing request is made as small as it will go ({@link Shrinker}) and printed. The run is repeatable from its
 * seed (printed), apart from timing: {@code -Dfuzz.seed=N}. {@code -Dfuzz.tries=N} sets how many tries (bench/fuzz.sh
 * runs many more); {@code -Dfuzz.max-seconds} bounds the time spent trying.
 */
class ApiFuzzTest {

    private static final int TRIES = Integer.getInteger("fuzz.tries", 12_000);
    private static final long SEED = Long.getLong("fuzz.seed", System.nanoTime());
    private static final long MAX_SECONDS = Long.getLong("fuzz.max-seconds", 90);

    /**
     * Limits far below the defaults, so that bodies and values at and around them are cheap to make and send; the
     * checks that enforce them are the same whatever the numbers.
     */
    private static final Hostile.Limits LIMITS = new Hostile.Limits(128 * 1024, 512 * 1024, 96 * 1024, 64);

    private static RunningApp app;
    private static Jedis redis;

    @BeforeAll
    static void start() throws Exception {
        Map<String, String> settings = new HashMap<>();
        settings.put("jobqueue.worker.concurrency", "2");
        settings.put("jobqueue.api.tokens", RequestFactory.READER + ":read, " + RequestFactory.WRITER + ":read+write, "
                + RequestFactory.ADMIN + ":admin");
        settings.put("camel.server.host", "127.0.0.1"); // tokens alone would open every interface
        settings.put("jobqueue.api.max-body-bytes", String.valueOf(LIMITS.maxBodyBytes()));
        settings.put("camel.server.max-body-size", String.valueOf(LIMITS.maxBulkBodyBytes()));
        settings.put("jobqueue.job.max-bytes", String.valueOf(LIMITS.maxJobBytes()));
        settings.put("jobqueue.api.max-bulk-jobs", String.valueOf(LIMITS.maxBulkJobs()));
        // tiny jobs, and retries that come back at once: a job that fails every attempt must not outlast the run
        settings.put("jobqueue.processor.min-duration-ms", "0");
        settings.put("jobqueue.processor.max-duration-ms", "1");
        settings.put("jobqueue.retry.base-delay-ms", "1");
        settings.put("jobqueue.retry.max-delay-ms", "20");
        settings.put("jobqueue.scheduler.interval-ms", "20");
        // every finished job is kept, so that the end check can find each one
        settings.put("jobqueue.retention.completed.max-count", "100000000");
        settings.put("jobqueue.retention.failed.max-count", "100000000");
        app = RunningApp.start(Role.ALL, settings);
        app.addTestTaskRoutes(); // the 'sleep' task of the probe jobs
        redis = TestRedis.plainClient();
    }

    @AfterAll
    static void stop() {
        if (app != null) {
            app.close();
        }
        if (redis != null) {
            redis.close();
        }
    }

    @Test
    void hostileRequestsAndValuesNeverBreakTheApiTheWorkersOrTheOneListRule() throws Exception {
        Ledger ledger = new Ledger();
        Random ids = new Random(SEED);
        RequestFactory requests = new RequestFactory(LIMITS, app.port, this::someFailedId, () -> ledger.someAcceptedId(ids));
        System.out.println("ApiFuzzTest: seed " + SEED + " (-Dfuzz.seed=" + SEED + " repeats it), " + TRIES + " tries, queue " + app.queue);
        long started = System.nanoTime();
        int tried;
        long fuzzedMillis;
        List<String> endFailures = new ArrayList<>();
        RepeatedErrorsFilter quieter = RepeatedErrorsFilter.install();
        try {
            tried = fuzz(ledger, requests, started);
            fuzzedMillis = (System.nanoTime() - started) / 1_000_000;
            endFailures.addAll(endChecks(ledger));
        } finally {
            quieter.restore();
        }
        System.out.println("ApiFuzzTest: " + tried + " tries in " + fuzzedMillis + " ms, seed " + SEED + "\n" + ledger.summary()
                + (endFailures.isEmpty() ? "end checks: all held\n" : "end checks: " + endFailures.size() + " failed (below)\n"));
        StringBuilder report = new StringBuilder();
        ledger.failures.forEach((kind, detail) -> report.append("\n== ").append(kind).append(" (")
                .append(ledger.failureCounts.get(kind)).append(" times)\n").append(detail));
        endFailures.forEach(failure -> report.append("\n== end check: ").append(failure));
        assertTrue(report.isEmpty(), "seed " + SEED + ":" + report);
    }

    /** The tries, until {@link #TRIES} or {@link #MAX_SECONDS}; returns how many were made. */
    private static int fuzz(Ledger ledger, RequestFactory requests, long started) throws IOException {
        for (int tried = 0; tried < TRIES; tried++) {
            if (System.nanoTime() - started > MAX_SECONDS * 1_000_000_000L) {
                System.out.println("ApiFuzzTest: stopped after " + tried + " tries: fuzz.max-seconds=" + MAX_SECONDS + " reached");
                return tried;
            }
            // one Random per try, from the seed and the try's number, so that the same seed makes the same tries
            Random random = new Random(SEED * 0x9E3779B97F4A7C15L + tried);
            if (random.nextInt(5) == 0) {
                push(random, ledger);
            } else {
                FuzzRequest request = requests.next(random);
                for (Finding finding : AnswerCheck.check(request, send(request), ledger)) {
                    record(request, finding, ledger);
                }
            }
        }
        return TRIES;
    }

    // ---- one try ---------------------------------------------------------------------------------------------------

    private static WireClient.Exchange send(FuzzRequest request) throws IOException {
        return WireClient.send(app.port, request.bytes(), request.isHead(), request.hasLeftoverBytes(), request.isUnfinished(), 10_000);
    }

    /**
     * A finding is a failure, of which the first of each kind is made as small as it will go (the smaller request must
     * fail the same way) and kept for the report; one that matches a bug reported earlier (all fixed) is named as such.
     */
    private static void record(FuzzRequest request, Finding finding, Ledger ledger) {
        if (finding.knownBug() != null) {
            ledger.knownBugsSeen.merge(finding.knownBug(), 1, Integer::sum);
        }
        ledger.failureCounts.merge(finding.kind(), 1, Integer::sum);
        if (ledger.failures.containsKey(finding.kind())) {
            return;
        }
        ledger.failures.put(finding.kind(), "(shrinking)");
        FuzzRequest smallest = Shrinker.minimize(request, candidate -> {
            try {
                return AnswerCheck.check(candidate, send(candidate), ledger).stream()
                        .anyMatch(again -> again.kind().equals(finding.kind()));
            } catch (IOException e) {
                return false;
            }
        }, 150, 45_000);
        String answer;
        try {
            WireClient.Exchange again = send(smallest);
            AnswerCheck.check(smallest, again, ledger); // for its bookkeeping: it may have made a job
            answer = again.answers().toString();
        } catch (IOException e) {
            answer = e.toString();
        }
        ledger.failures.put(finding.kind(), finding.detail() + "\nrequest (" + request.bytes().length + " bytes), made as small as it would go ("
                + smallest.bytes().length + " bytes):\n" + smallest.describe() + "\nanswered now: " + answer + "\n");
    }

    /** A value pushed straight into Redis, as another client would: a job, a copy of one, or anything else. */
    private static void push(Random random, Ledger ledger) {
        byte[] queue = app.queue.getBytes(StandardCharsets.UTF_8);
        int kind = random.nextInt(20);
        String id = "fz_" + Long.toHexString(random.nextLong()) + Long.toHexString(random.nextLong());
        if (kind < 8) {
            byte[] job = Hostile.utf8(Hostile.envelope(random, id));
            redis.lpush(queue, job);
            ledger.pushedJobIds.add(id);
            ledger.pushedJobs.add(job);
        } else if (kind < 10 && !ledger.pushedJobs.isEmpty()) {
            // the same job again: dropped unrun whether the first is still queued, held or finished
            redis.lpush(queue, Hostile.pick(random, ledger.pushedJobs));
            ledger.copiesPushed++;
        } else if (kind < 18) {
            Hostile.Pushed pushed = Hostile.hostileValue(random, id, LIMITS);
            redis.lpush(queue, pushed.value());
            ledger.hostileValuesPushed++;
            ledger.notJobsPushed += pushed.certainlyNotAJob() ? 1 : 0;
        } else {
            // the lists the API reads and retries from hold what another client put there too
            String list = random.nextBoolean() ? app.queue + ":failed" : app.queue + ":completed";
            byte[] value = Hostile.hostileValue(random, id, LIMITS).value();
            redis.lpush(list.getBytes(StandardCharsets.UTF_8), value);
            ledger.listValuesPushed.add(value);
        }
    }

    private String someFailedId() {
        List<String> failed = redis.lrange(app.queue + ":failed", 0, 9);
        for (String value : failed) {
            JsonNode job = AnswerCheck.json(value.getBytes(StandardCharsets.UTF_8));
            if (job != null && job.path("id").isTextual()) {
                return RequestFactory.percentEncodeSome(new Random(value.hashCode()), job.path("id").asText());
            }
        }
        return "job_0_nofailed";
    }

    // ---- the end checks ----------------------------------------------------------------------------------------------

    private List<String> endChecks(Ledger ledger) throws Exception {
        List<String> failures = new ArrayList<>();
        if (!drained(Duration.ofSeconds(120))) {
            failures.add("the lists did not drain within 120 s: " + leftOver() + "\n" + whatTheWorkersDo());
        }
        failures.addAll(everyWorkerThreadTakesJobs(ledger));
        if (!drained(Duration.ofSeconds(30))) {
            failures.add("the lists did not drain after the probe jobs: " + leftOver());
        }
        failures.addAll(everyJobInExactlyOneList(ledger));
        failures.addAll(statsStillAnswer());
        failures.addAll(everyPageStillLists(ledger));
        return failures;
    }

    /**
     * With concurrency 2, two probe jobs that each sleep 1.5 s run at the same time on two different worker threads
     * (a thread that took both hands the second back after 1 s). If a thread had died or hung, the other would run both,
     * one after the other.
     */
    private List<String> everyWorkerThreadTakesJobs(Ledger ledger) throws Exception {
        List<String> failures = new ArrayList<>();
        HttpResponse<String> posted = app.send(HttpRequest.newBuilder(app.uri("/jobs/bulk"))
                .header("Authorization", "Bearer " + RequestFactory.WRITER).header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString("[{\"task\":\"sleep\",\"ms\":1500},{\"task\":\"sleep\",\"ms\":1500}]")));
        if (posted.statusCode() != 201) {
            return List.of("the probe jobs were refused: " + posted.statusCode() + " " + posted.body());
        }
        List<String> probeIds = new ArrayList<>();
        JobJson.read(posted.body()).path("ids").forEach(id -> probeIds.add(id.asText()));
        probeIds.forEach(id -> ledger.accepted(id, "probe", new ArrayList<>()));
        Map<String, JsonNode> done = new HashMap<>();
        Await.until(() -> {
            for (String value : redis.lrange(app.queue + ":completed", 0, 19)) {
                JsonNode job = AnswerCheck.json(value.getBytes(StandardCharsets.UTF_8));
                if (job != null && probeIds.contains(job.path("id").asText())) {
                    done.put(job.path("id").asText(), job);
                }
            }
            return done.size() == probeIds.size();
        }, Duration.ofSeconds(30));
        if (done.size() != 2) {
            return List.of("the probe jobs did not both complete within 30 s: " + done.keySet() + " of " + probeIds);
        }
        JsonNode first = done.get(probeIds.get(0));
        JsonNode second = done.get(probeIds.get(1));
        if (first.path("workerId").asText().equals(second.path("workerId").asText())) {
            failures.add("both probe jobs ran on worker " + first.path("workerId").asText() + ": the other thread took none");
        }
        boolean overlapped = first.path("startedAt").asText().compareTo(second.path("finishedAt").asText()) < 0
                && second.path("startedAt").asText().compareTo(first.path("finishedAt").asText()) < 0;
        if (!overlapped) {
            failures.add("the probe jobs did not run at the same time: " + first + " / " + second);
        }
        return failures;
    }

    /**
     * Counts the records of completed and failed by id: each accepted or pushed job exactly once, and as many other
     * records (of values that were not jobs, or of jobs made of hostile values under ids of their own) as such values
     * were pushed into the queue. Values pushed straight into completed and failed are set aside first: each is there
     * as it was pushed, or was retried from failed and ended as a record that names its id (its own as a job, or a
     * record of a value that was not a job, whose 'raw' text holds it), or was trimmed away.
     */
    private static List<String> everyJobInExactlyOneList(Ledger ledger) {
        Map<String, Integer> records = new HashMap<>();
        List<String> others = new ArrayList<>(); // records not of accepted or pushed jobs, as text (ISO-8859-1: any bytes)
        Set<String> pushedAsTheyAre = new HashSet<>();
        ledger.listValuesPushed.forEach(value -> pushedAsTheyAre.add(new String(value, StandardCharsets.ISO_8859_1)));
        for (String list : List.of(app.queue + ":completed", app.queue + ":failed")) {
            for (byte[] value : redis.lrange(list.getBytes(StandardCharsets.UTF_8), 0, -1)) {
                AnswerCheck.TopLevel record = AnswerCheck.topLevel(value);
                String id = record == null ? null : record.id();
                boolean pushedHere = pushedAsTheyAre.contains(new String(value, StandardCharsets.ISO_8859_1));
                if (id != null && !pushedHere) { // values pushed into these lists may share an id ("" say): not jobs'
                    records.merge(id, 1, Integer::sum);
                }
                if (id == null || !ledger.acceptedIds.containsKey(id) && !ledger.pushedJobIds.contains(id)) {
                    others.add(new String(value, StandardCharsets.ISO_8859_1));
                }
            }
        }
        int ofListValues = 0;
        for (byte[] value : ledger.listValuesPushed) {
            String text = new String(value, StandardCharsets.ISO_8859_1);
            AnswerCheck.TopLevel pushed = AnswerCheck.topLevel(value);
            boolean found = others.remove(text);
            if (!found && pushed != null && pushed.id() != null && !pushed.id().isEmpty()) {
                String mention = pushed.id();
                found = others.removeIf(new java.util.function.Predicate<>() {
                    private boolean taken;

                    @Override
                    public boolean test(String other) {
                        boolean match = !taken && other.contains(mention);
                        taken |= match;
                        return match;
                    }
                });
            }
            if (found) {
                ofListValues++;
            }
        }
        List<String> failures = new ArrayList<>();
        List<String> missing = new ArrayList<>();
        Set<String> expected = new HashSet<>(ledger.acceptedIds.keySet());
        expected.addAll(ledger.pushedJobIds);
        for (String id : expected) {
            if (!records.containsKey(id)) {
                missing.add(id + " (" + ledger.acceptedIds.getOrDefault(id, "pushed") + ")");
            }
        }
        if (!missing.isEmpty()) {
            failures.add(missing.size() + " accepted or pushed jobs are in neither completed nor failed, e.g. "
                    + missing.subList(0, Math.min(5, missing.size())) + whereAbouts(missing.get(0).split(" ")[0]));
        }
        List<String> twice = records.entrySet().stream().filter(entry -> entry.getValue() > 1)
                .map(entry -> entry.getKey() + " x" + entry.getValue()).limit(10).toList();
        if (!twice.isEmpty()) {
            failures.add("jobs in more than one record: " + twice);
        }
        long notJobRecords = others.stream().map(other -> AnswerCheck.topLevel(other.getBytes(StandardCharsets.ISO_8859_1)))
                .filter(record -> record != null && record.invalid()).count();
        if (notJobRecords < ledger.notJobsPushed || notJobRecords > ledger.hostileValuesPushed) {
            failures.add(notJobRecords + " records of values that were not jobs, for " + ledger.notJobsPushed
                    + " values pushed that certainly were not and " + (ledger.hostileValuesPushed - ledger.notJobsPushed)
                    + " that may or may not have been");
        }
        List<String> untoldRecords = others.stream().filter(other -> {
            AnswerCheck.TopLevel record = AnswerCheck.topLevel(other.getBytes(StandardCharsets.ISO_8859_1));
            return record != null && record.id() != null && record.id().startsWith("job_");
        }).toList();
        if (untoldRecords.size() > ledger.intakeUnavailable) {
            failures.add(untoldRecords.size() + " jobs the API made that no answer told of, for " + ledger.intakeUnavailable
                    + " intake requests answered 503, e.g. " + untoldRecords.stream().limit(5)
                    .map(other -> FuzzRequest.printable(other.getBytes(StandardCharsets.ISO_8859_1), 200)).toList());
        }
        others.removeAll(untoldRecords);
        if (others.size() != ledger.hostileValuesPushed) {
            List<String> examples = others.stream().limit(40)
                    .map(other -> FuzzRequest.printable(other.getBytes(StandardCharsets.ISO_8859_1), 300)).toList();
            failures.add(others.size() + " records that are neither accepted nor pushed jobs, for "
                    + ledger.hostileValuesPushed + " hostile values pushed into the queue (each must end as exactly one record); "
                    + "they include:\n" + String.join("\n", examples));
        }
        System.out.println("ApiFuzzTest: completed+failed hold " + records.size() + " ids; " + others.size()
                + " records of hostile values pushed into the queue (" + notJobRecords + " of them records of values that were not jobs, for "
                + ledger.notJobsPushed + " certainly not jobs pushed); "
                + ofListValues + " of " + ledger.listValuesPushed.size() + " values pushed into completed and failed are still there");
        return failures;
    }

    /** What Redis still knows of a job that is in no list: its record, and any value that mentions its id. */
    private static String whereAbouts(String id) {
        StringBuilder out = new StringBuilder("; its record: ").append(redis.hgetAll(app.queue + ":job:" + id));
        for (String list : List.of(app.queue + ":completed", app.queue + ":failed")) {
            for (byte[] value : redis.lrange(list.getBytes(StandardCharsets.UTF_8), 0, -1)) {
                String text = new String(value, StandardCharsets.UTF_8);
                if (text.contains(id)) {
                    out.append("; in ").append(list).append(": ").append(text, 0, Math.min(600, text.length()));
                }
            }
        }
        return out.toString();
    }

    private static List<String> statsStillAnswer() throws IOException {
        byte[] request = ("GET /jobs/stats HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer " + RequestFactory.READER + "\r\n\r\n")
                .getBytes(StandardCharsets.US_ASCII);
        WireClient.Answer answer = WireClient.send(app.port, request, false, false, false, 10_000).first();
        JsonNode stats = answer == null ? null : AnswerCheck.json(answer.body());
        if (answer == null || answer.status() != 200 || stats == null) {
            return List.of("GET /jobs/stats did not answer 200 with JSON: " + answer);
        }
        long completed = redis.llen(app.queue + ":completed");
        long failed = redis.llen(app.queue + ":failed");
        if (stats.path("queued").asLong(-1) != 0 || stats.path("processing").asLong(-1) != 0 || stats.path("delayed").asLong(-1) != 0
                || stats.path("completed").asLong(-1) != completed || stats.path("failed").asLong(-1) != failed) {
            return List.of("GET /jobs/stats disagrees with the lists (" + completed + " completed, " + failed + " failed): " + stats);
        }
        return List.of();
    }

    /**
     * Every page of completed and failed can be read: whatever the API accepted and the workers finished, and whatever
     * another client put there, GET /jobs/{queueType} lists (values that are not jobs as records that say so).
     */
    private static List<String> everyPageStillLists(Ledger ledger) throws IOException {
        List<String> failures = new ArrayList<>();
        for (String type : List.of("completed", "failed")) {
            long length = redis.llen(app.queue + ":" + type);
            for (long start = 0; start < length; start += 50) {
                byte[] request = ("GET /jobs/" + type + "?start=" + start + "&count=50 HTTP/1.1\r\nHost: x\r\nAuthorization: Bearer "
                        + RequestFactory.READER + "\r\n\r\n").getBytes(StandardCharsets.US_ASCII);
                WireClient.Answer answer = WireClient.send(app.port, request, false, false, false, 30_000).first();
                JsonNode page = answer == null ? null : AnswerCheck.json(answer.body());
                if (answer != null && (answer.status() == 500 || answer.status() == 400)) {
                    ledger.knownBugsSeen.merge(AnswerCheck.LISTING_500 + " (end check)", 1, Integer::sum);
                } else if (answer == null || answer.status() != 200 || page == null || !page.isArray()) {
                    failures.add("GET /jobs/" + type + "?start=" + start + "&count=50 did not list: " + answer);
                }
            }
        }
        return failures;
    }

    /**
     * Counts, in one step (a script), the values queued, processing, delayed and reserved: a job retried again and again
     * moves between them, and counting them one after the other could miss it in flight.
     */
    private static final String UNFINISHED = "local n = redis.call('LLEN', KEYS[1]) + redis.call('LLEN', KEYS[2])"
            + " + redis.call('ZCARD', KEYS[3])"
            + " for _, key in ipairs(redis.call('KEYS', ARGV[1])) do n = n + redis.call('LLEN', key) end"
            + " return n";

    private static boolean drained(Duration timeout) throws InterruptedException {
        return Await.until(() -> {
            Object unfinished = redis.eval(UNFINISHED, List.of(app.queue, app.queue + ":processing", app.queue + ":delayed"),
                    List.of(app.queue + ":reserved:*"));
            return ((Number) unfinished).longValue() == 0;
        }, timeout);
    }

    /** The jobs in processing and the stacks of the worker threads: why the lists do not drain. */
    private static String whatTheWorkersDo() {
        StringBuilder out = new StringBuilder("processing:\n");
        for (byte[] value : redis.lrange((app.queue + ":processing").getBytes(StandardCharsets.UTF_8), 0, 9)) {
            out.append("  ").append(FuzzRequest.printable(value, 600)).append('\n');
        }
        Thread.getAllStackTraces().forEach((thread, stack) -> {
            if (thread.getName().contains("worker") || thread.getName().contains("job-timeout")) {
                out.append("thread ").append(thread.getName()).append(" (").append(thread.getState()).append("):\n");
                for (int i = 0; i < Math.min(25, stack.length); i++) {
                    out.append("    at ").append(stack[i]).append('\n');
                }
            }
        });
        return out.toString();
    }

    /** What is still queued, processing, delayed or reserved; empty when all is finished. */
    private static String leftOver() {
        StringBuilder left = new StringBuilder();
        long queued = redis.llen(app.queue);
        long processing = redis.llen(app.queue + ":processing");
        long delayed = redis.zcard(app.queue + ":delayed");
        if (queued + processing + delayed > 0) {
            left.append("queued ").append(queued).append(", processing ").append(processing).append(", delayed ").append(delayed);
        }
        String cursor = ScanParams.SCAN_POINTER_START;
        do {
            ScanResult<String> page = redis.scan(cursor, new ScanParams().match(app.queue + ":reserved:*").count(100));
            for (String key : page.getResult()) {
                long length = redis.llen(key);
                if (length > 0) {
                    left.append(' ').append(key).append(' ').append(length);
                }
            }
            cursor = page.getCursor();
        } while (!cursor.equals(ScanParams.SCAN_POINTER_START));
        return left.toString();
    }
}
