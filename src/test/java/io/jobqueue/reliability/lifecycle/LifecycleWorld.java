package io.jobqueue.reliability.lifecycle;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;
import java.util.UUID;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

import io.jobqueue.job.Attempt;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobStates;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.RedisKeys;
import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.reliability.lifecycle.ModelJob.Where;
import io.jobqueue.reliability.lifecycle.SimulatedProcess.Slot;
import io.jobqueue.testing.TestRedis;
import io.jobqueue.worker.ReservedJob;
import io.jobqueue.worker.WorkerIdentity;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;

/**
 * One sequence's world: a queue of its own in the real Redis, the worker processes that work on it (each driven through
 * the same JobStore, WorkerRegistry and Reaper calls the application makes, in the order its JobQueueConsumer and
 * Heartbeat make them), and a model of where every job must be.
 * <p>
 * Each action first says what the model expects (which values a reservation claims, whether a move is this run's to
 * make, which processes a reaper must take for dead), then calls Redis, then compares. {@link #checkInvariants()}
 * compares everything the model knows with everything Redis holds after every step; {@link #drainAndCheck()} makes
 * every process healthy and works until nothing is left, and checks that every job ended completed or failed once.
 * <p>
 * Time: Redis's clock cannot be moved, so time is compressed instead. A live process's heartbeat lasts two minutes
 * (longer than any sequence); a process "falls silent" by one heartbeat that runs out after 1 ms. The reaper's confirm
 * window and the longer retry backoff are 10 ms, and "time passes" sleeps 15 ms: what must have happened by then is
 * checked as certain, and what may or may not have happened within a shorter real time (a slow machine) is read back
 * from Redis and only checked for being allowed.
 */
final class LifecycleWorld implements AutoCloseable {

    static final int THREADS = 2;
    static final int MAX_STALLS = 1;
    static final long CONFIRM_MS = 10;
    static final long RETRY_LATER_MS = 10;
    static final long TIME_STEP_MS = 15;
    static final long LIVE_TIMEOUT_MS = 120_000;
    static final int MAX_JOBS = 6;
    static final int MAX_LIVE_PROCESSES = 3;
    static final int MAX_PROCESSES = 6;
    private static final int DRAIN_ROUNDS = 40;

    /** How a worker's attempt ends. */
    enum Outcome { COMPLETE, FAIL, RETRY_NOW, RETRY_LATER }

    /** What the model knows of one registration in the workers set. */
    static final class Registration {
        /** Its heartbeat has run out (by Redis's clock, for certain). */
        boolean expired;
        /** A reaper has found it silent (it is in the suspects set). */
        boolean marked;
        /** Marked, and the confirm window has passed since for certain: the next reaper pass must take it for dead. */
        boolean confirmable;
    }

    private static StringRedisTemplate shared;

    final String queue = "sm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final RedisKeys keys = new RedisKeys(queue, queue + ":events");
    final StringRedisTemplate redis = sharedRedis();
    /** Heartbeats of live processes: they last longer than any sequence. */
    final WorkerRegistry registry = new WorkerRegistry(redis, keys, LIVE_TIMEOUT_MS);
    /** A heartbeat that runs out after 1 ms: the process falls silent, as if its timeout had passed. */
    final WorkerRegistry silencer = new WorkerRegistry(redis, keys, 1);
    /** The API's store: enqueue, promotion of due retries, retries by hand. */
    final JobStore producer = new JobStore(redis, redis, keys, new JobStore.Retention(-1, -1, -1, -1), 60_000,
            () -> "api", 5_000);

    final List<SimulatedProcess> processes = new ArrayList<>();
    final Map<String, ModelJob> jobs = new LinkedHashMap<>();
    final Bag queued = new Bag();
    final Map<String, Bag> reserved = new TreeMap<>();
    final Map<String, Registration> registrations = new LinkedHashMap<>();
    private final Map<String, String> processLabels = new HashMap<>();
    private final List<String> log = new ArrayList<>();
    /** What this sequence got to exercise, for jqwik's statistics: a property that never gets there proves nothing. */
    final Set<String> happened = new TreeSet<>();
    private int seedCount;
    /** Whether a process taken for dead may take and reserve before a heartbeat tells it. */
    private final boolean zombiesTake;
    /**
     * Whether counts that the known flaws get wrong fail the sequence (else they are noted, and the model takes them):
     * an older copy of a job that runs in its place with its own attempts and stalls, and a job failed for its stalls
     * stored without its last one.
     */
    private final boolean strictCounts;

    LifecycleWorld(int initialProcesses, boolean zombiesTake, boolean strictCounts) {
        this.zombiesTake = zombiesTake;
        this.strictCounts = strictCounts;
        producer.start();
        for (int i = 0; i < initialProcesses; i++) {
            startProcess();
        }
    }

    static synchronized StringRedisTemplate sharedRedis() {
        if (shared == null) {
            URI url = URI.create(TestRedis.url());
            JedisConnectionFactory connections = new JedisConnectionFactory(
                    new RedisStandaloneConfiguration(url.getHost(), url.getPort()));
            connections.afterPropertiesSet();
            connections.start();
            shared = new StringRedisTemplate(connections);
        }
        return shared;
    }

    // ---------------------------------------------------------------- what the actions may pick

    /*
     * Actions name what they act on by stable names (process P1, thread P1/2, job J3), never by object: jqwik replays
     * a shrunk sequence's steps on a fresh world, where the names find that world's objects. A step whose object is
     * gone, or no longer fit, in a replay is skipped (and says so in the steps).
     */

    /** A worker thread by name: its process's first name (P1, whatever its identity now) and its number. */
    record SlotName(String process, int number) {
        @Override
        public String toString() {
            return process + "/" + number;
        }
    }

    /** A job a worker thread is running, by name. */
    record RunningName(SlotName slot, String job) {
    }

    static List<SlotName> names(List<Slot> slots) {
        return slots.stream().map(slot -> new SlotName(slot.process().name, slot.number)).toList();
    }

    List<RunningName> runningNames() {
        return runningJobs().stream().map(running -> new RunningName(
                new SlotName(running.slot().process().name, running.slot().number), running.label())).toList();
    }

    Optional<SimulatedProcess> process(String name) {
        return alive().stream().filter(process -> process.name.equals(name)).findFirst();
    }

    /** The thread, if its process is alive and the thread is among {@code fit}. */
    Optional<Slot> slot(SlotName name, List<Slot> fit) {
        return fit.stream().filter(slot -> slot.process().name.equals(name.process()) && slot.number == name.number()).findFirst();
    }

    Optional<Running> running(RunningName name) {
        return runningJobs().stream().filter(running -> running.slot().process().name.equals(name.slot().process())
                && running.slot().number == name.slot().number() && running.label().equals(name.job())).findFirst();
    }

    Optional<ModelJob> job(String label, List<ModelJob> fit) {
        return fit.stream().filter(job -> job.label.equals(label)).findFirst();
    }

    List<SimulatedProcess> alive() {
        return processes.stream().filter(p -> !p.gone).toList();
    }

    List<Slot> slots() {
        return alive().stream().flatMap(p -> p.slots.stream()).toList();
    }

    /**
     * Threads that may take: idle ones, when there is something to take. A zombie's threads (a process taken for dead
     * that has not noticed yet) only when {@link #zombiesTake}: a take and reserve by a zombie is where the flaws of
     * JobLifecycleStateMachineTest.zombiesNeverLoseJobs are.
     */
    List<Slot> slotsThatMayTake() {
        return slots().stream().filter(s -> s.idle() && (s.recover || !queued.isEmpty())
                && (zombiesTake || !isZombie(s.process()))).toList();
    }

    /** Believes it is registered, but a reaper has taken it for dead. */
    boolean isZombie(SimulatedProcess process) {
        return process.believesRegistered && !registrations.containsKey(process.id());
    }

    List<Slot> slotsWithUnreserved() {
        return slots().stream().filter(s -> !s.unreserved.isEmpty()).toList();
    }

    List<Slot> slotsWithWaiting() {
        return slots().stream().filter(s -> !s.waiting.isEmpty()).toList();
    }

    /** A job a worker thread has started and not moved on. */
    record Running(Slot slot, Job job, String label) {
    }

    List<Running> runningJobs() {
        List<Running> running = new ArrayList<>();
        for (Slot slot : slots()) {
            slot.running.forEach(job -> running.add(new Running(slot, job, jobs.get(job.id()).label)));
        }
        return running;
    }

    List<SimulatedProcess> processesThatMayFallSilent() {
        return alive().stream().filter(p -> {
            Registration registration = registrations.get(p.id());
            return registration != null && !registration.expired;
        }).toList();
    }

    List<ModelJob> jobsIn(Where where) {
        return jobs.values().stream().filter(job -> job.where == where).toList();
    }

    boolean mayStartProcess() {
        return alive().size() < MAX_LIVE_PROCESSES && processes.size() < MAX_PROCESSES;
    }

    boolean mayAddJob() {
        return jobs.size() < MAX_JOBS;
    }

    // ---------------------------------------------------------------- producers

    /** JobStore.enqueue; a lost reply makes the client send it again (the same job, the same JSON). */
    void enqueue(boolean replyLost, boolean idempotencyKey) {
        Job job = Job.create("{\"n\":" + (jobs.size() + 1) + "}", System.currentTimeMillis());
        String key = idempotencyKey ? "key-" + job.id() : "";
        JobStore.Enqueued first = producer.enqueue(job, key);
        ModelJob model = addJob(job.id(), job.json());
        expect(first.created(), "enqueue", model.label + " was not created");
        queued.add(job.json());
        String how = "";
        if (replyLost) {
            JobStore.Enqueued again = producer.enqueue(job, key);
            if (idempotencyKey) {
                expect(!again.created() && again.job().id().equals(job.id()), "idempotent enqueue",
                        "sent again with its key, " + model.label + " was created twice");
                how = ", sent again with its idempotency key";
            } else {
                expect(again.created(), "enqueue", model.label + " sent again was not queued");
                queued.add(job.json());
                how = ", sent again without a key: a second copy";
            }
        }
        note("enqueue " + model.label + how);
    }

    /** Another client LPUSHes a job in the seed's format. */
    void pushSeedJob() {
        seedCount++;
        String id = "job_seed_" + seedCount;
        String json = "{\"id\":\"" + id + "\",\"data\":{\"seed\":" + seedCount + "},\"createdAt\":\"2024-01-01T10:00:00.000Z\","
                + "\"status\":\"queued\",\"attempts\":0}";
        redis.opsForList().leftPush(keys.queued(), json);
        ModelJob model = addJob(id, json);
        queued.add(json);
        note("LPUSH " + model.label + " (seed format)");
    }

    /** Another client LPUSHes a job's first JSON again: a copy, to be dropped or run once, never run twice at once. */
    void pushAgain(ModelJob job) {
        redis.opsForList().leftPush(keys.queued(), job.original);
        queued.add(job.original);
        note("LPUSH " + job.label + "'s first JSON again (now " + job.where + ")");
    }

    private ModelJob addJob(String id, String json) {
        ModelJob model = new ModelJob(id, "J" + (jobs.size() + 1), json);
        jobs.put(id, model);
        return model;
    }

    // ---------------------------------------------------------------- a worker thread's life with a job

    /**
     * As JobQueueConsumer.take: a thread whose process has a new identity first gives back what its old reserved list
     * holds; then it takes up to {@code max} jobs, or, after a take whose reply was lost, reads its reserved list.
     */
    void take(Slot slot, int max, boolean replyLost) {
        SimulatedProcess process = slot.process();
        String workerId = process.identity.workerId(slot.number);
        StringBuilder said = new StringBuilder(slot.label() + " ");
        if (slot.workerId != null && !slot.workerId.equals(workerId)) {
            Bag left = reservedList(slot.workerId);
            long released = process.store.releaseReserved(slot.workerId, process.store.reservedValues(slot.workerId));
            expect(released == left.size(), "release of an old identity's list",
                    "released " + released + " of " + describe(left) + " from " + workerLabel(slot.workerId));
            giveBack(slot.workerId, left.values());
            said.append("gives back its old list ").append(describe(left)).append(", then ");
        }
        slot.workerId = workerId;
        List<byte[]> taken;
        if (slot.recover) {
            taken = process.store.reservedValues(workerId);
            expect(Bag.of(text(taken)).equals(reservedList(workerId)), "recovery of a lost take",
                    "read " + describe(Bag.of(text(taken))) + " but the list holds " + describe(reservedList(workerId)));
            slot.recover = false;
            said.append("reads its list after a lost reply: ");
        } else {
            int expected = Math.min(max, queued.size());
            taken = process.store.take(workerId, max, Duration.ofSeconds(1));
            expect(taken.size() == expected, "take", slot.label() + " asked for " + max + " of " + queued.size()
                    + " queued values and got " + taken.size());
            for (String value : text(taken)) {
                expect(queued.remove(value), "take", "took " + describe(value) + ", which the queue did not hold");
                reservedList(workerId).add(value);
            }
            said.append("takes up to ").append(max).append(": ");
        }
        said.append(describe(Bag.of(text(taken))));
        if (replyLost) {
            slot.recover = true;
            note(said + " (reply lost: the thread never sees them)");
            return;
        }
        Instant now = Instant.now();
        for (byte[] value : taken) {
            slot.unreserved.add(new ReservedJob(value, Job.fromTaken(value, Long.MAX_VALUE, now).withRun(WorkerIdentity.newRun())));
        }
        note(said.toString());
    }

    /** As JobQueueConsumer.work: a take and, at once, the reservation of what it took (after a lost reply: a second take). */
    void takeAndReserve(Slot slot, int max, boolean replyLost, boolean reserveRetried) {
        take(slot, max, replyLost);
        if (replyLost) {
            take(slot, max, false);
        }
        if (!slot.unreserved.isEmpty()) {
            reserve(slot, reserveRetried);
        }
    }

    /**
     * As JobQueueConsumer.reserve: the taken values are claimed; a value is the worker's to run only if its job has no
     * instance anywhere else (the model's WAITING) and the value is still in the worker's own list; any other is a copy,
     * dropped unrun. A process found unregistered registers again at once and gives the values back.
     */
    void reserve(Slot slot, boolean retried) {
        SimulatedProcess process = slot.process();
        List<ReservedJob> taken = slot.unreserved;
        slot.unreserved = new ArrayList<>();
        List<Job> toClaim = taken.stream().map(ReservedJob::job).toList();
        boolean registered = registrations.containsKey(process.id());
        List<Boolean> expectedMine = new ArrayList<>();
        Bag inList = reservedList(slot.workerId).copy();
        Set<String> claimedHere = new HashSet<>();
        for (ReservedJob value : taken) {
            ModelJob job = jobOf(value);
            boolean mine = registered && inList.remove(text(value.taken())) && job.where == Where.WAITING
                    && claimedHere.add(job.id);
            expectedMine.add(mine);
        }
        JobStore.Reserved outcome = process.store.reserve(slot.workerId, toClaim);
        if (retried) {
            JobStore.Reserved again = process.store.reserve(slot.workerId, toClaim);
            expect(again.equals(outcome), "a retried reserve finds its own holds",
                    "first " + outcome + ", sent again " + again);
        }
        expect(outcome.registered() == registered, "reserve knows whether the process is registered",
                process.label() + " registered: model " + registered + ", reserve " + outcome.registered());
        if (!outcome.registered()) {
            process.register(registry);
            registrations.put(process.id(), new Registration());
            List<byte[]> values = taken.stream().map(ReservedJob::taken).toList();
            Bag present = reservedList(slot.workerId).copy();
            List<String> back = text(values).stream().filter(present::remove).toList();
            long released = process.store.releaseReserved(slot.workerId, values);
            expect(released == back.size(), "release after an unregistered reserve",
                    "released " + released + ", expected " + back.size());
            giveBack(slot.workerId, back);
            note(slot.label() + " reserves " + labels(taken) + (retried ? " (sent twice)" : "")
                    + ": not registered, so it registers again as it is and gives back " + describe(Bag.of(back)));
            return;
        }
        List<String> said = new ArrayList<>();
        for (int i = 0; i < taken.size(); i++) {
            ReservedJob value = taken.get(i);
            ModelJob job = jobOf(value);
            boolean mine = outcome.mine().get(i);
            expect(mine == expectedMine.get(i), "reserve claims a job's only instance and nothing else",
                    slot.label() + " reserving " + job + ": expected " + (expectedMine.get(i) ? "mine" : "a copy")
                            + ", got " + (mine ? "mine" : "a copy"));
            if (mine) {
                job.held(Where.RESERVED, process.id(), slot.workerId, value.job().run(), text(value.taken()));
                slot.waiting.add(value);
                said.add(job.label);
            } else {
                boolean dropped = process.store.drop(slot.workerId, value.taken()).join();
                boolean present = reservedList(slot.workerId).remove(text(value.taken()));
                expect(dropped == present, "drop", "dropping a copy of " + job.label + ": " + dropped + ", expected " + present);
                said.add(job.label + " (copy, dropped)");
                happened.add("a copy was dropped");
            }
        }
        note(slot.label() + " reserves " + said + (retried ? " (sent twice)" : ""));
    }

    /** As the worker route's start step: the next reserved job goes to processing, or is no longer this worker's. */
    void start(Slot slot, boolean retried) {
        SimulatedProcess process = slot.process();
        ReservedJob next = slot.waiting.poll();
        ModelJob job = jobOf(next);
        String value = text(next.taken());
        boolean expected = job.where == Where.RESERVED && next.job().run().equals(job.run)
                && reservedList(slot.workerId).contains(value);
        Job started = next.job().started(slot.workerId, System.currentTimeMillis());
        Job result = process.store.start(slot.workerId, next.taken(), started).join();
        if (retried) {
            Job again = process.store.start(slot.workerId, next.taken(), started).join();
            expect((again == null) == (result == null), "a retried start finds its own start",
                    "first " + (result != null) + ", sent again " + (again != null));
        }
        expect((result != null) == expected, "only the run that holds a job starts it",
                slot.label() + " starting " + job + " under its run: expected " + (expected ? "started" : "refused")
                        + ", got " + (result != null ? "started" : "refused"));
        if (result == null) {
            note(slot.label() + " starts " + job.label + ": no longer its own");
            happened.add("a stale run was refused");
            return;
        }
        reservedList(slot.workerId).remove(value);
        job.held(Where.PROCESSING, process.id(), null, next.job().run(), result.json());
        Job read = Job.parse(result.json());
        boolean countsAgree = read.attempts() == job.attempts && read.number("stalls", 0) == job.stalls;
        if (!countsAgree && !strictCounts && !value.equals(job.current)) {
            // an older copy of the job (pushed twice, or enqueued again after a lost reply) was taken before the job's
            // current JSON and runs in its place, with the counts it was pushed with: a known flaw, checked strictly by
            // JobLifecycleStateMachineTest.aJobCarriesItsOwnCounts; here the model takes the copy's counts
            note("  " + job.label + " runs from an older copy: attempts " + job.attempts + " -> " + read.attempts()
                    + ", stalls " + job.stalls + " -> " + read.number("stalls", 0));
            job.attempts = read.attempts();
            job.stalls = (int) read.number("stalls", 0);
            happened.add("an older copy ran in place of its job (known flaw)");
        }
        expectCounts(job, result.json(), "the job that starts carries its attempts and stalls");
        slot.running.add(result);
        note(slot.label() + " starts " + job.label + (retried ? " (sent twice)" : ""));
    }

    /** As the worker route's last step: the attempt completes, fails, or is retried after a backoff (0 or 25 ms). */
    void finish(Slot slot, Job running, Outcome outcome, boolean retried) {
        ModelJob job = jobs.get(running.id());
        boolean expected = job.where == Where.PROCESSING && Objects.equals(job.run, running.run());
        Job after = move(slot.process().store, running, outcome);
        if (retried) {
            Job again = move(slot.process().store, running, outcome);
            expect((again == null) == (after == null), "a retried move finds its own move",
                    "first " + (after != null) + ", sent again " + (again != null));
        }
        slot.running.remove(running);
        expect((after != null) == expected, "only the run that holds a job moves it",
                slot.label() + " moving " + job + " to " + outcome + ": expected " + (expected ? "moved" : "refused")
                        + ", got " + (after != null ? "moved" : "refused"));
        if (after == null) {
            note(slot.label() + " " + outcome + " " + job.label + ": refused, no longer its run");
            happened.add("a stale run was refused");
            return;
        }
        job.attempts++;
        switch (outcome) {
            case COMPLETE -> job.unheld(Where.COMPLETED, after.json());
            case FAIL -> job.unheld(Where.FAILED, after.json());
            default -> {
                job.unheld(Where.DELAYED, after.json());
                job.dueForSure = outcome == Outcome.RETRY_NOW;
            }
        }
        if (job.isFinished()) {
            job.finishes++;
        }
        expectCounts(job, after.json(), "attempts count the finished attempts");
        note(slot.label() + " " + outcome + " " + job.label + (retried ? " (sent twice)" : ""));
    }

    private static Job move(JobStore store, Job running, Outcome outcome) {
        return switch (outcome) {
            case COMPLETE -> store.moveToCompleted(Attempt.succeeded(running, "{\"ok\":true}")).join();
            case FAIL -> store.moveToFailed(Attempt.failed(running, "it failed")).join();
            case RETRY_NOW -> store.moveToDelayed(Attempt.failed(running, "try again"), 0).join();
            case RETRY_LATER -> store.moveToDelayed(Attempt.failed(running, "try again later"), RETRY_LATER_MS).join();
        };
    }

    /** As the hand-back duty: the jobs waiting behind a long one go back to the queue, never started. */
    void releaseWaiting(Slot slot, boolean retried) {
        SimulatedProcess process = slot.process();
        List<ReservedJob> waiting = new ArrayList<>(slot.waiting);
        slot.waiting.clear();
        List<byte[]> values = waiting.stream().map(ReservedJob::taken).toList();
        Bag present = reservedList(slot.workerId).copy();
        List<String> back = text(values).stream().filter(present::remove).toList();
        long released = process.store.releaseReserved(slot.workerId, values);
        expect(released == back.size(), "release", "released " + released + ", expected " + back.size());
        if (retried) {
            long again = process.store.releaseReserved(slot.workerId, values);
            expect(again == 0, "a retried release moves nothing more", "sent again, it released " + again);
        }
        giveBack(slot.workerId, back);
        note(slot.label() + " gives back its waiting jobs " + labels(waiting) + (retried ? " (sent twice)" : ""));
    }

    /** As JobQueueConsumer at the end of its shutdown timeout: a running job goes back to the queue, as queued. */
    void handBack(Slot slot, Job running) {
        ModelJob job = jobs.get(running.id());
        boolean expected = job.where == Where.PROCESSING && Objects.equals(job.run, running.run());
        Job queuedAgain = JobStates.handedBack(running);
        boolean moved = slot.process().store.requeue(running, queuedAgain, JobEvent.of(queuedAgain, System.currentTimeMillis()));
        slot.running.remove(running);
        expect(moved == expected, "only the run that holds a job hands it back",
                slot.label() + " handing back " + job + ": " + moved);
        if (moved) {
            job.unheld(Where.WAITING, null);
            job.current = queuedAgain.json();
            queued.add(queuedAgain.json());
        }
        note(slot.label() + " hands back " + job.label + (moved ? "" : ": refused"));
    }

    // ---------------------------------------------------------------- others' work on jobs

    /** As the DelayedJobsPromoter: due retries go back to the queue. Those certainly due must. */
    void promote() {
        List<ModelJob> delayed = jobsIn(Where.DELAYED);
        long moved = producer.promoteDelayed(100);
        Set<String> still = members(keys.delayed());
        List<String> went = new ArrayList<>();
        for (ModelJob job : delayed) {
            boolean promoted = !still.contains(job.value);
            expect(promoted || !job.dueForSure, "a due retry is promoted", job + " was due and stayed delayed");
            if (promoted) {
                queued.add(job.value);
                job.current = job.value;
                job.unheld(Where.WAITING, null);
                went.add(job.label);
            }
        }
        expect(moved == went.size(), "promote", "said " + moved + ", moved " + went);
        note("promote due retries: " + went);
        if (!went.isEmpty()) {
            happened.add("a retry was promoted");
        }
    }

    /** POST /jobs/failed/{id}/retry: back to the queue with attempts 0; a lost reply makes the client ask again. */
    void retryByHand(ModelJob job, boolean replyLost) {
        String stored = range(keys.failed()).stream().filter(value -> Job.parse(value).id().equals(job.id)).findFirst()
                .orElseThrow(() -> failure("retry by hand", job + " is not in the failed list"));
        Job failed = Job.parse(stored);
        List<Job> moved = producer.retryFailed(List.of(failed));
        expect(moved.size() == 1, "retry by hand", job + " did not move");
        if (replyLost) {
            expect(producer.retryFailed(List.of(failed)).isEmpty(), "a retried retry moves nothing more", job.label);
        }
        job.unheld(Where.WAITING, null);
        job.attempts = 0;
        job.stalls = 0;
        job.finishes = 0;
        job.current = moved.get(0).json();
        queued.add(moved.get(0).json());
        note("retry " + job.label + " by hand" + (replyLost ? " (asked twice)" : ""));
        happened.add("a failed job was retried by hand");
    }

    // ---------------------------------------------------------------- processes, heartbeats, reapers, time

    SimulatedProcess startProcess() {
        SimulatedProcess process = new SimulatedProcess("P" + (processes.size() + 1), redis, keys, registry, THREADS,
                MAX_STALLS, CONFIRM_MS);
        processes.add(process);
        process.register(registry);
        registrations.put(process.id(), new Registration());
        processLabels.put(process.id(), process.label());
        note("start " + process.label());
        return process;
    }

    /** The process stops sending heartbeats (a long pause, or cut off from Redis): by its clock it goes on as it was. */
    void fallSilent(SimulatedProcess process) {
        silence(process);
        note(process.label() + " falls silent past its heartbeat timeout");
    }

    private void silence(SimulatedProcess process) {
        Registration registration = registrations.get(process.id());
        if (registration == null || registration.expired) {
            return;
        }
        expect(silencer.heartbeat(process.id()), "heartbeat", process.label() + " was not registered");
        sleep(3);
        registration.expired = true;
        registration.marked = false;
        registration.confirmable = false;
    }

    /** kill -9: what the process had in memory is gone, and its heartbeat runs out. */
    void crash(SimulatedProcess process) {
        silence(process);
        process.gone = true;
        process.close();
        note(process.label() + " crashes");
    }

    /**
     * As Heartbeat.runOnce: registers if it believes it is not registered; otherwise a heartbeat, and when that finds it
     * taken for dead, a new identity, the jobs waiting in its slots dropped, and a new registration.
     */
    void heartbeat(SimulatedProcess process) {
        if (!process.believesRegistered) {
            process.register(registry);
            registrations.put(process.id(), new Registration());
            processLabels.put(process.id(), process.label());
            note(process.label() + " registers");
            return;
        }
        boolean alive = registry.heartbeat(process.id());
        Registration registration = registrations.get(process.id());
        expect(alive == (registration != null), "heartbeat tells a live process from a dead one",
                process.label() + ": heartbeat " + alive + ", model registered " + (registration != null));
        if (alive) {
            registration.expired = false;
            registration.marked = false;
            registration.confirmable = false;
            note(process.label() + " heartbeat");
            return;
        }
        String was = process.label();
        process.renewIdentity();
        process.slots.forEach(slot -> slot.waiting.clear());
        process.register(registry);
        registrations.put(process.id(), new Registration());
        processLabels.put(process.id(), process.label());
        happened.add("a process taken for dead took a new identity");
        note(was + " heartbeat: taken for dead, so it drops its waiting jobs and registers again as " + process.label());
    }

    /** Real time passes: every reaper mark may now be confirmed, every retry is due. */
    void timePasses() {
        sleep(TIME_STEP_MS);
        registrations.values().forEach(registration -> registration.confirmable = registration.marked);
        jobsIn(Where.DELAYED).forEach(job -> job.dueForSure = true);
        note(TIME_STEP_MS + " ms pass");
    }

    /**
     * One pass of the real Reaper duty in {@code reaper}'s process; or, with {@code claimReplyLost}, a claim whose reply
     * was lost (the Reaper's claimDeadWorkers call times out after Redis ran it), so the Reaper never sees what it took.
     */
    void reaperPass(SimulatedProcess reaper, boolean claimReplyLost) {
        Map<String, Registration> before = new LinkedHashMap<>(registrations);
        if (claimReplyLost) {
            registry.claimDeadWorkers(reaper.id(), WorkerIdentity.newRun(), CONFIRM_MS);
        } else {
            reaper.reaperPass();
        }
        Set<String> workers = members(keys.workers());
        Set<String> suspects = members(keys.suspects());
        List<String> said = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        for (Map.Entry<String, Registration> entry : before.entrySet()) {
            String id = entry.getKey();
            Registration registration = entry.getValue();
            boolean claimed = !workers.contains(id);
            String who = processLabels.get(id);
            if (!registration.expired) {
                expect(!claimed && !suspects.contains(id), "a live process is never taken for dead",
                        who + " was taken for dead or suspected while its heartbeat held");
            } else if (!registration.marked) {
                expect(!claimed && suspects.contains(id), "a silent process is first only suspected",
                        who + (claimed ? " was taken for dead at the first sighting" : " was not marked"));
                registration.marked = true;
                said.add(who + " suspected");
            } else if (registration.confirmable) {
                expect(claimed, "a process silent through the confirm window is taken for dead", who + " was not");
            }
            if (claimed) {
                dead.add(id);
                said.add(who + " taken for dead");
                happened.add("a process was taken for dead");
            }
        }
        for (String id : workers) {
            expect(before.containsKey(id), "registrations", "a reaper pass registered " + id);
        }
        List<ModelJob> stalled = new ArrayList<>();
        for (String id : dead) {
            stalled.addAll(claimDead(id, reaper, claimReplyLost));
        }
        if (!claimReplyLost) {
            // the stalled jobs' new queued values were written by the Reaper: read them back, one per stalled job
            Bag fresh = Bag.of(range(keys.queued())).minus(queued);
            Map<String, List<String>> freshById = fresh.values().stream()
                    .collect(Collectors.groupingBy(value -> Job.parse(value).id()));
            for (ModelJob job : stalled) {
                List<String> values = freshById.getOrDefault(job.id, List.of());
                if (job.where == Where.WAITING) {
                    expect(values.size() == 1, "a stalled job goes back to the queue once",
                            job + " has " + values.size() + " new values in the queue");
                    Job requeued = Job.parse(values.get(0));
                    expect("queued".equals(requeued.status()), "a stalled job is queued again", values.get(0));
                    expectCounts(job, values.get(0), "a stall counts once per death of its process");
                    job.current = values.get(0);
                    queued.add(values.get(0));
                } else {
                    String failed = range(keys.failed()).stream().filter(v -> Job.parse(v).id().equals(job.id))
                            .findFirst().orElseThrow(() -> failure("a job that stalls too often fails", job + " is not in failed"));
                    job.value = failed;
                    long stored = Job.parse(failed).number("stalls", 0);
                    if (!strictCounts && stored == job.stalls - 1) {
                        // failStalled writes the job as it ran, so its stalls miss the last one (its error says
                        // "stalled N times"): a known flaw, checked strictly by aJobCarriesItsOwnCounts
                        note("  " + job.label + " failed for its stalls, stored with stalls " + stored + ", not " + job.stalls);
                        job.stalls = (int) stored;
                    }
                    expectCounts(job, failed, "a job that stalls too often fails with its stalls counted");
                }
            }
        }
        note((claimReplyLost ? reaper.label() + " reaper claims, reply lost: " : reaper.label() + " reaper pass: ") + said
                + (stalled.isEmpty() ? "" : ", stalled " + stalled.stream().map(job -> job.label + "->" + job.where).toList()));
    }

    /** What claiming a dead process does to the model. Returns the jobs it had started (now stalled, or held by the reaper). */
    private List<ModelJob> claimDead(String processId, SimulatedProcess reaper, boolean claimReplyLost) {
        registrations.remove(processId);
        for (int n = 1; n <= THREADS; n++) {
            String workerId = processId + "-" + n;
            giveBack(workerId, reservedList(workerId).values());
        }
        List<ModelJob> started = new ArrayList<>();
        for (ModelJob job : jobs.values()) {
            if (job.where != Where.PROCESSING || !processId.equals(job.process)) {
                continue;
            }
            started.add(job);
            if (claimReplyLost) {
                // held by the reaper's process under a claim token that nobody knows
                job.held(Where.PROCESSING, reaper.id(), null, null, job.value);
                continue;
            }
            job.stalls++;
            happened.add("a started job stalled");
            if (job.stalls > MAX_STALLS) {
                job.unheld(Where.FAILED, null);
                job.finishes++;
                happened.add("a job failed for its stalls");
            } else {
                job.unheld(Where.WAITING, null);
            }
        }
        return started;
    }

    /** Values go back from a reserved list to the queue; a job whose instance was reserved there is waiting again. */
    private void giveBack(String workerId, List<String> values) {
        Bag list = reservedList(workerId);
        for (String value : values) {
            expect(list.remove(value), "model", "gave back " + describe(value) + ", not in " + workerLabel(workerId));
            queued.add(value);
            ModelJob job = jobOf(value);
            if (job.where == Where.RESERVED && workerId.equals(job.worker) && value.equals(job.value)) {
                job.unheld(Where.WAITING, null);
            }
        }
    }

    /**
     * As JobQueueConsumer.doStop and Heartbeat.doStop: running jobs are handed back (the shutdown timeout ran out),
     * each thread's reserved list goes back to the queue, and the process deregisters, which it may only do when it
     * holds nothing. A process that could not deregister falls silent, for a reaper to clean up after.
     */
    void stopCleanly(SimulatedProcess process) {
        for (Slot slot : process.slots) {
            for (Job running : List.copyOf(slot.running)) {
                handBack(slot, running);
            }
            slot.waiting.clear();
            slot.unreserved.clear();
            if (slot.workerId != null) {
                Bag list = reservedList(slot.workerId).copy();
                long released = process.store.releaseReserved(slot.workerId, process.store.reservedValues(slot.workerId));
                expect(released == list.size(), "release at shutdown", "released " + released + " of " + describe(list));
                giveBack(slot.workerId, list.values());
            }
        }
        String id = process.id();
        boolean holdsNothing = jobs.values().stream().noneMatch(job -> job.where == Where.PROCESSING && id.equals(job.process));
        for (int n = 1; n <= THREADS && registrations.containsKey(id); n++) {
            holdsNothing &= reservedList(id + "-" + n).isEmpty();
        }
        boolean deregistered = registry.deregister(id);
        expect(deregistered == holdsNothing, "a process deregisters exactly when it holds nothing",
                process.label() + " deregistered " + deregistered + ", holds nothing " + holdsNothing);
        if (deregistered) {
            registrations.remove(id);
        } else {
            silence(process);
        }
        process.gone = true;
        process.close();
        note(process.label() + " stops cleanly" + (deregistered ? "" : ", still holding jobs: it falls silent"));
    }

    // ---------------------------------------------------------------- the end: drain, then nothing may be left

    /**
     * Every process still running is made healthy (a zombie learns it was taken for dead), a fresh one joins, and they
     * work (reapers, promotion, take, reserve, start, complete) until nothing is left; then each stops cleanly. Every
     * job must have ended completed or failed, once, and no list, set or registration may be left behind.
     */
    void drainAndCheck() {
        note("-- drain: every process healthy, a fresh one joins, work until nothing is left");
        for (SimulatedProcess process : alive()) {
            heartbeat(process);
            if (!process.believesRegistered) {
                heartbeat(process);
            }
        }
        SimulatedProcess drainer = startProcess();
        checkInvariants();
        int round = 0;
        while (!nothingLeft()) {
            if (++round > DRAIN_ROUNDS) {
                throw failure("every job ends completed or failed",
                        "after " + DRAIN_ROUNDS + " drain rounds these are stuck: " + stuck());
            }
            if (registrations.values().stream().anyMatch(registration -> registration.expired)) {
                reaperPass(drainer, false);
                timePasses();
                reaperPass(drainer, false);
            }
            if (!jobsIn(Where.DELAYED).isEmpty()) {
                if (jobsIn(Where.DELAYED).stream().anyMatch(job -> !job.dueForSure)) {
                    timePasses();
                }
                promote();
            }
            for (SimulatedProcess process : alive()) {
                heartbeat(process);
                for (Slot slot : process.slots) {
                    workThrough(slot);
                    if (slot.idle() && (slot.recover || !queued.isEmpty())) {
                        take(slot, 3, false);
                        workThrough(slot);
                    }
                }
            }
            checkInvariants();
        }
        for (SimulatedProcess process : alive()) {
            stopCleanly(process);
        }
        checkInvariants();
        checkNothingLeftInRedis();
    }

    private void workThrough(Slot slot) {
        if (!slot.unreserved.isEmpty()) {
            reserve(slot, false);
        }
        while (!slot.waiting.isEmpty()) {
            start(slot, false);
        }
        for (Job running : List.copyOf(slot.running)) {
            finish(slot, running, Outcome.COMPLETE, false);
        }
    }

    private boolean nothingLeft() {
        return jobs.values().stream().allMatch(ModelJob::isFinished) && queued.isEmpty()
                && reserved.values().stream().allMatch(Bag::isEmpty)
                && registrations.values().stream().noneMatch(registration -> registration.expired)
                && slots().stream().allMatch(slot -> slot.idle() && slot.running.isEmpty() && !slot.recover);
    }

    private String stuck() {
        List<String> stuck = new ArrayList<>();
        jobs.values().stream().filter(job -> !job.isFinished()).forEach(job -> stuck.add(job.toString()));
        if (!queued.isEmpty()) {
            stuck.add("queue " + describe(queued));
        }
        reserved.forEach((worker, list) -> {
            if (!list.isEmpty()) {
                stuck.add("reserved list of " + workerLabel(worker) + " " + describe(list)
                        + (registrations.containsKey(worker.substring(0, worker.lastIndexOf('-'))) ? "" : " (no live process owns it)"));
            }
        });
        return String.join("; ", stuck);
    }

    private void checkNothingLeftInRedis() {
        Snapshot now = Snapshot.read(this);
        expect(now.queue.isEmpty() && now.processing.isEmpty() && now.delayed.isEmpty(), "nothing left after the drain",
                "queue " + now.queue.size() + ", processing " + now.processing.size() + ", delayed " + now.delayed.size());
        now.reserved.forEach((worker, values) -> expect(values.isEmpty(), "nothing left after the drain",
                "reserved list of " + workerLabel(worker) + " holds " + describe(Bag.of(values))));
        now.held.forEach((process, ids) -> expect(ids.isEmpty(), "nothing left after the drain",
                "held set of " + processLabels.get(process) + " holds " + ids));
        expect(now.workers.isEmpty() && now.suspects.isEmpty(), "nothing left after the drain",
                "workers " + now.workers + ", suspects " + now.suspects);
        Map<String, Integer> finished = countIds(now.completed);
        countIds(now.failed).forEach((id, n) -> finished.merge(id, n, Integer::sum));
        for (ModelJob job : jobs.values()) {
            expect(finished.getOrDefault(job.id, 0) == 1, "every job ends completed or failed, once",
                    job + " is there " + finished.getOrDefault(job.id, 0) + " times");
        }
    }

    // ---------------------------------------------------------------- invariants, after every step

    /** Everything Redis holds against everything the model knows, and the rules that hold whatever the model says. */
    void checkInvariants() {
        Snapshot now = Snapshot.read(this);

        // the queue and every reserved list hold exactly the values the model put there (copies included)
        Bag queue = Bag.of(now.queue);
        expect(queue.equals(queued), "the queue holds what the model says",
                "Redis " + describe(queue) + ", model " + describe(queued));
        Set<String> workers = new TreeSet<>(now.reserved.keySet());
        reserved.forEach((worker, list) -> {
            if (!list.isEmpty()) {
                workers.add(worker);
            }
        });
        for (String worker : workers) {
            Bag inRedis = Bag.of(now.reserved.getOrDefault(worker, List.of()));
            expect(inRedis.equals(reservedList(worker)), "each reserved list holds what the model says",
                    workerLabel(worker) + ": Redis " + describe(inRedis) + ", model " + describe(reservedList(worker)));
        }

        // no job runs twice at once; no job is finished twice, or both completed and failed
        Map<String, Integer> processing = countIds(now.processing);
        processing.forEach((id, n) -> expect(n == 1, "no job is twice in processing", label(id) + " is there " + n + " times"));
        Map<String, Integer> completed = countIds(now.completed);
        Map<String, Integer> failed = countIds(now.failed);
        Map<String, Integer> delayed = countIds(now.delayed);
        for (String id : union(completed.keySet(), failed.keySet())) {
            int finishes = completed.getOrDefault(id, 0) + failed.getOrDefault(id, 0);
            expect(finishes <= 1, "a job is finished at most once", label(id) + " is in completed " + completed.getOrDefault(id, 0)
                    + " and failed " + failed.getOrDefault(id, 0) + " times");
        }
        for (String id : union(union(processing.keySet(), delayed.keySet()), union(completed.keySet(), failed.keySet()))) {
            expect(jobs.containsKey(id), "only accepted jobs", "unknown job " + id);
        }

        Map<String, Integer> waitingValues = countIds(now.queue);
        now.reserved.values().forEach(values -> countIds(values).forEach((id, n) -> waitingValues.merge(id, n, Integer::sum)));
        for (ModelJob job : jobs.values()) {
            // every job is in exactly one place; copies may wait in the queue or a reserved list until dropped
            int places = processing.getOrDefault(job.id, 0) + delayed.getOrDefault(job.id, 0)
                    + completed.getOrDefault(job.id, 0) + failed.getOrDefault(job.id, 0);
            int waiting = waitingValues.getOrDefault(job.id, 0);
            expect(places + waiting > 0, "every accepted job is somewhere", job + " is nowhere");
            expect(places <= 1, "a job is in one place", job + " is in " + places + " of processing, delayed, completed, failed");
            switch (job.where) {
                case WAITING -> expect(waiting > 0 && places == 0, "a waiting job is in the queue or a reserved list",
                        job + ": " + waiting + " values waiting, " + places + " elsewhere");
                case RESERVED -> expect(places == 0 && now.reserved.getOrDefault(job.worker, List.of()).contains(job.value),
                        "a reserved job is in its worker's reserved list", job + " is not");
                case PROCESSING -> expect(now.processing.contains(job.value), "a started job is in processing", job + " is not");
                case DELAYED -> expect(now.delayed.contains(job.value), "a retry waits in delayed", job + " does not");
                case COMPLETED -> expect(now.completed.contains(job.value), "a completed job is in completed", job + " is not");
                case FAILED -> expect(now.failed.contains(job.value), "a failed job is in failed", job + " is not");
            }
            expect(job.finishes <= 1, "a job is finished at most once", job + " finished " + job.finishes + " times");

            // the instance carries its attempts and stalls, and the status of where it is
            String instance = switch (job.where) {
                case PROCESSING -> find(now.processing, job.id);
                case DELAYED -> find(now.delayed, job.id);
                case COMPLETED -> find(now.completed, job.id);
                case FAILED -> find(now.failed, job.id);
                default -> null;
            };
            if (instance != null) {
                expectCounts(job, instance, "attempts and stalls are counted right");
                String status = Job.parse(instance).status();
                String expectedStatus = switch (job.where) {
                    case PROCESSING -> "processing";
                    case DELAYED -> "retrying";
                    case COMPLETED -> "completed";
                    default -> "failed";
                };
                expect(expectedStatus.equals(status), "a job's status says where it is", job + " has status " + status);
            }

            // the record agrees with where the job is, and who holds it
            List<String> record = now.records.get(job.id);
            String state = record.get(0);
            String run = record.get(1);
            String process = record.get(2);
            switch (job.where) {
                case RESERVED -> expect("reserved".equals(state) && job.run.equals(run) && job.process.equals(process),
                        "the record names the holder", job + ": record " + record);
                case PROCESSING -> expect("processing".equals(state) && job.process.equals(process)
                                && (job.run == null || job.run.equals(run)), "the record names the holder", job + ": record " + record);
                case DELAYED, COMPLETED, FAILED -> expect(job.where.name().toLowerCase().equals(state),
                        "the record's state says where the job is", job + ": record " + record);
                case WAITING -> expect(state == null || state.equals("queued")
                                || (state.equals("reserved") || state.equals("processing")) && !now.workers.contains(process),
                        "a waiting job's record shows no live holder", job + ": record " + record + ", and "
                                + (process == null ? "no process" : processLabel(process) + " is registered"));
            }
        }

        // held sets: each process holds exactly the jobs it started (or a reaper claimed) and has not moved on
        Map<String, Set<String>> held = new TreeMap<>();
        for (ModelJob job : jobsIn(Where.PROCESSING)) {
            held.computeIfAbsent(job.process, p -> new TreeSet<>()).add(job.id);
        }
        Map<String, Set<String>> heldInRedis = new TreeMap<>();
        now.held.forEach((process, ids) -> {
            if (!ids.isEmpty()) {
                heldInRedis.put(process, new TreeSet<>(ids));
            }
        });
        expect(heldInRedis.equals(held), "held sets name the started jobs of each process",
                "Redis " + labelled(heldInRedis) + ", model " + labelled(held));

        // registrations: exactly the processes the model has registered, suspected where a reaper marked them
        expect(now.workers.equals(registrations.keySet()), "the workers set holds the registered processes",
                "Redis " + now.workers.stream().map(this::processLabel).toList() + ", model "
                        + registrations.keySet().stream().map(this::processLabel).toList());
        Set<String> marked = registrations.entrySet().stream().filter(entry -> entry.getValue().marked)
                .map(Map.Entry::getKey).collect(Collectors.toSet());
        expect(now.suspects.equals(marked), "suspects are the processes a reaper found silent",
                "Redis " + now.suspects.stream().map(this::processLabel).toList() + ", model "
                        + marked.stream().map(this::processLabel).toList());
    }

    private void expectCounts(ModelJob job, String json, String rule) {
        Job read = Job.parse(json);
        expect(read.attempts() == job.attempts && read.number("stalls", 0) == job.stalls, rule,
                job + " is stored with attempts " + read.attempts() + ", stalls " + read.number("stalls", 0));
    }

    /** Everything of this world's queue in Redis, read at once (nothing else writes to it between steps). */
    private record Snapshot(List<String> queue, Map<String, List<String>> reserved, List<String> processing,
                            Set<String> delayed, List<String> completed, List<String> failed,
                            Map<String, Set<String>> held, Set<String> workers, Set<String> suspects,
                            Map<String, List<String>> records) {

        /** Two round trips: one SCAN for the keys named after workers and processes, then one pipeline for the rest. */
        @SuppressWarnings("unchecked")
        static Snapshot read(LifecycleWorld world) {
            RedisKeys keys = world.keys;
            List<String> reservedKeys = new ArrayList<>();
            List<String> heldKeys = new ArrayList<>();
            for (String key : world.scan(world.queue + ":*")) {
                if (key.startsWith(keys.reservedPrefix())) {
                    reservedKeys.add(key);
                } else if (key.startsWith(keys.heldPrefix())) {
                    heldKeys.add(key);
                }
            }
            List<String> ids = List.copyOf(world.jobs.keySet());
            List<Object> replies = world.redis.executePipelined((RedisCallback<Object>) connection -> {
                StringRedisConnection redis = (StringRedisConnection) connection;
                for (String list : List.of(keys.queued(), keys.processing(), keys.completed(), keys.failed())) {
                    redis.lRange(list, 0, -1);
                }
                for (String zset : List.of(keys.delayed(), keys.workers(), keys.suspects())) {
                    redis.zRange(zset, 0, -1);
                }
                reservedKeys.forEach(key -> redis.lRange(key, 0, -1));
                heldKeys.forEach(redis::sMembers);
                ids.forEach(id -> redis.hMGet(keys.job(id), "state", "run", "process"));
                return null;
            });
            int next = 0;
            List<String> queue = (List<String>) replies.get(next++);
            List<String> processing = (List<String>) replies.get(next++);
            List<String> completed = (List<String>) replies.get(next++);
            List<String> failed = (List<String>) replies.get(next++);
            Set<String> delayed = new HashSet<>((Set<String>) replies.get(next++));
            Set<String> workers = new HashSet<>((Set<String>) replies.get(next++));
            Set<String> suspects = new HashSet<>((Set<String>) replies.get(next++));
            Map<String, List<String>> reserved = new TreeMap<>();
            for (String key : reservedKeys) {
                reserved.put(key.substring(keys.reservedPrefix().length()), (List<String>) replies.get(next++));
            }
            Map<String, Set<String>> held = new TreeMap<>();
            for (String key : heldKeys) {
                held.put(key.substring(keys.heldPrefix().length()), (Set<String>) replies.get(next++));
            }
            Map<String, List<String>> records = new HashMap<>();
            for (String id : ids) {
                records.put(id, (List<String>) replies.get(next++));
            }
            return new Snapshot(queue, reserved, processing, delayed, completed, failed, held, workers, suspects, records);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Bag reservedList(String workerId) {
        return reserved.computeIfAbsent(workerId, w -> new Bag());
    }

    private ModelJob jobOf(ReservedJob value) {
        return jobOf(text(value.taken()));
    }

    private ModelJob jobOf(String value) {
        ModelJob job = jobs.get(Job.parse(value).id());
        if (job == null) {
            throw failure("only accepted jobs", "a value of an unknown job: " + value);
        }
        return job;
    }

    private List<String> range(String key) {
        List<String> values = redis.opsForList().range(key, 0, -1);
        return values == null ? List.of() : values;
    }

    private Set<String> members(String zsetKey) {
        Set<String> members = redis.opsForZSet().range(zsetKey, 0, -1);
        return members == null ? Set.of() : new HashSet<>(members);
    }

    private List<String> scan(String pattern) {
        List<String> found = new ArrayList<>();
        try (Cursor<String> cursor = redis.scan(ScanOptions.scanOptions().match(pattern).count(1000).build())) {
            cursor.forEachRemaining(found::add);
        }
        return found;
    }

    private static Map<String, Integer> countIds(Iterable<String> values) {
        Map<String, Integer> counts = new TreeMap<>();
        for (String value : values) {
            counts.merge(Job.parse(value).id(), 1, Integer::sum);
        }
        return counts;
    }

    private static String find(Iterable<String> values, String id) {
        for (String value : values) {
            if (Job.parse(value).id().equals(id)) {
                return value;
            }
        }
        return null;
    }

    private static Set<String> union(Set<String> a, Set<String> b) {
        Set<String> all = new TreeSet<>(a);
        all.addAll(b);
        return all;
    }

    private static List<String> text(List<byte[]> values) {
        return values.stream().map(LifecycleWorld::text).toList();
    }

    private static String text(byte[] value) {
        return new String(value, StandardCharsets.UTF_8);
    }

    private String label(String id) {
        ModelJob job = jobs.get(id);
        return job == null ? id : job.label;
    }

    private String processLabel(String processId) {
        return processLabels.getOrDefault(processId, processId);
    }

    String workerLabel(String workerId) {
        int dash = workerId.lastIndexOf('-');
        return processLabel(workerId.substring(0, dash)) + "/" + workerId.substring(dash + 1);
    }

    private Map<String, Set<String>> labelled(Map<String, Set<String>> held) {
        Map<String, Set<String>> out = new TreeMap<>();
        held.forEach((process, ids) -> out.put(processLabel(process),
                ids.stream().map(this::label).collect(Collectors.toCollection(TreeSet::new))));
        return out;
    }

    /** A value as the job it is, and how it differs from the job's first JSON (a requeue or retry rewrites it). */
    private String describe(String value) {
        Job job = Job.parse(value);
        ModelJob model = jobs.get(job.id());
        String label = model == null ? job.id() : model.label;
        if (model != null && value.equals(model.original)) {
            return label;
        }
        return label + "{" + job.status() + ", attempts " + job.attempts() + ", stalls " + job.number("stalls", 0) + "}";
    }

    private String describe(Bag bag) {
        return bag.values().stream().map(this::describe).toList().toString();
    }

    private String labels(List<ReservedJob> values) {
        return values.stream().map(value -> jobOf(value).label).toList().toString();
    }

    void note(String step) {
        log.add(step);
    }

    private void expect(boolean holds, String rule, String detail) {
        if (!holds) {
            throw failure(rule, detail);
        }
    }

    private AssertionError failure(String rule, String detail) {
        StringBuilder message = new StringBuilder("Broken: ").append(rule).append("\n  ").append(detail)
                .append("\n  steps of this sequence (P = process, P/n = its worker thread n, J = job):");
        for (int i = 0; i < log.size(); i++) {
            message.append("\n    ").append(i + 1).append(". ").append(log.get(i));
        }
        return new AssertionError(message.toString());
    }

    private static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    /** The steps so far, as jqwik's report of a failing sequence shows its final state. */
    @Override
    public String toString() {
        return queue + ", steps:\n    " + String.join("\n    ", log);
    }

    /** Stops this world's stores and deletes its keys (only its own: the queue name is its alone). */
    @Override
    public void close() {
        processes.forEach(SimulatedProcess::close);
        producer.stop();
        List<String> own = new ArrayList<>(scan(queue + ":*"));
        own.add(queue);
        redis.delete(own);
    }
}
