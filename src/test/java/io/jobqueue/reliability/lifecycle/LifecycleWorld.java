package io.jobqueue.reliability.lifecycle;

import java.net.URI;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Objects;
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
import io.jobqueue.redis.JobIntake;
import io.jobqueue.redis.JobLists;
import io.jobqueue.redis.JobStore;
import io.jobqueue.redis.LuaScript;
import io.jobqueue.redis.RedisKeys;
import io.jobqueue.redis.WorkerRegistry;
import io.jobqueue.redis.WorkerTakenForDead;
import io.jobqueue.reliability.lifecycle.ModelJob.Where;
import io.jobqueue.reliability.lifecycle.SimulatedProcess.Slot;
import io.jobqueue.testing.TestRedis;
import io.jobqueue.worker.ReservedJob;
import io.jobqueue.worker.WorkerIdentity;
import org.springframework.data.redis.connection.RedisStandaloneConfiguration;
import org.springframework.data.redis.connection.StringRedisConnection;
import org.springframework.data.redis.connection.jedis.JedisConnectionFactory;
import org.springframework.data.redis.core.Cursor;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.ScanOptions;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * One sequence's world: a queue of its own in the real Redis, the worker processes that work on it (each driven through
 * the same JobStore, WorkerRegistry and Reaper calls the application makes, in the order its JobQueueConsumer and
 * Heartbeat make them), and a model of where every job must be.
 * <p>
 * Each action first says what the model expects (which values a reservation claims, whether a start or a move is this
 * run's to make, which processes a reaper must take for dead), then calls Redis, then compares. Where the mechanics
 * and the rule differ (a start succeeds when the value is still in the worker's list; it is only right when the job is
 * reserved by that very run), the model checks both. {@link #checkInvariants()} compares everything the model knows
 * with everything Redis holds after every step; {@link #drainAndCheck()} makes every process healthy and works until
 * nothing is left, and checks that every job ended completed or failed once and that no key is left behind.
 * <p>
 * Time: Redis's clock cannot be moved, so time is compressed instead. A live process's heartbeat lasts two minutes
 * (longer than any sequence); a process "falls silent" by one heartbeat that runs out after 1 ms. The reaper's confirm
 * window, the relook after a burial and the longer retry backoff are 10 ms, and "time passes" sleeps 15 ms (longer
 * than any take blocks, too): what must have happened by then is
 * checked as certain, and what may or may not have happened within a shorter real time (a slow machine) is read back
 * from Redis and only checked for being allowed.
 */
final class LifecycleWorld implements AutoCloseable {

    static final int THREADS = 2;
    static final long CONFIRM_MS = 10;
    /** How long after a burial a reaper empties the buried process's reserved lists once more (relookMs). */
    static final long RELOOK_MS = 10;
    static final long RETRY_LATER_MS = 10;
    static final long TIME_STEP_MS = 15;
    static final long LIVE_TIMEOUT_MS = 120_000;
    static final int MAX_JOBS = 6;
    static final int MAX_LIVE_PROCESSES = 3;
    static final int MAX_PROCESSES = 6;
    private static final int DRAIN_ROUNDS = 40;
    /**
     * How long a take blocks in BLMOVE when its script took nothing. The model takes only when the queue holds values,
     * so a take blocks only when it is fenced off; a short wait keeps a surprise from costing a second.
     */
    private static final Duration BLOCKING_WAIT = Duration.ofMillis(10);
    /** The scripted take itself, for a take that lands late (JobStore.take would fall back to BLMOVE). */
    private static final RedisScript<List<Object>> TAKE_SCRIPT = LuaScript.returningList("takeJobs");

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

    /**
     * A take a worker thread sent that is held up on its way to Redis: a scripted one its thread gave up on (it will
     * recover first), or the BLMOVE of a take whose script found the queue empty, which its thread waits for.
     */
    record HeldUpTake(Slot slot, String workerId, long fence, int max, boolean blocking) {
        @Override
        public String toString() {
            return blocking ? slot.label() + "'s BLMOVE"
                    : slot.label() + "'s held-up take (fence " + fence + ", up to " + max + ")";
        }
    }

    private static JedisConnectionFactory connections;
    private static StringRedisTemplate shared;

    final String queue = "sm_" + UUID.randomUUID().toString().replace("-", "").substring(0, 10);
    final RedisKeys keys = new RedisKeys(queue, queue + ":events");
    final StringRedisTemplate redis = sharedRedis();
    /** Heartbeats of live processes: they last longer than any sequence. */
    final WorkerRegistry registry = new WorkerRegistry(redis, keys, LIVE_TIMEOUT_MS, RELOOK_MS);
    /** A heartbeat that runs out after 1 ms: the process falls silent, as if its timeout had passed. */
    final WorkerRegistry silencer = new WorkerRegistry(redis, keys, 1, RELOOK_MS);
    /** The API's side: enqueue (intake), promotion of due retries (producer), retries by hand (lists). */
    final JobStore producer = new JobStore(redis, redis, keys, new JobStore.Retention(-1, -1, -1, -1), 5_000);
    final JobIntake intake = new JobIntake(redis, keys, 60_000, 5_000);
    final JobLists lists = new JobLists(redis, keys);

    final List<SimulatedProcess> processes = new ArrayList<>();
    final Map<String, ModelJob> jobs = new LinkedHashMap<>();
    final Bag queued = new Bag();
    final Map<String, Bag> reserved = new TreeMap<>();
    final Map<String, Registration> registrations = new LinkedHashMap<>();
    /** Take fences in Redis, by worker id (no entry: no key, which a take reads as 0). */
    final Map<String, Long> fences = new TreeMap<>();
    final List<HeldUpTake> heldUpTakes = new ArrayList<>();
    /**
     * Processes taken for dead whose reserved lists a reaper empties once more (the buried set), and whether that is
     * due for certain (time passed since the burial): the next reaper pass must do it then.
     */
    final Map<String, Boolean> burials = new TreeMap<>();
    private final Map<String, String> processLabels = new HashMap<>();
    private final List<String> log = new ArrayList<>();
    private String current;
    /** What this sequence got to exercise, for the driver's summary: a run that never gets there proves nothing. */
    final Set<String> happened = new TreeSet<>();
    private int seedCount;
    /** How many stalls a job survives (jobqueue.max-stalls); one more and it fails. */
    private final int maxStalls;

    LifecycleWorld(int initialProcesses, int maxStalls) {
        this.maxStalls = maxStalls;
        producer.start();
        intake.start();
        for (int i = 0; i < initialProcesses; i++) {
            startProcess();
        }
    }

    static synchronized StringRedisTemplate sharedRedis() {
        if (shared == null) {
            URI url = URI.create(TestRedis.url());
            connections = new JedisConnectionFactory(new RedisStandaloneConfiguration(url.getHost(), url.getPort()));
            connections.afterPropertiesSet();
            connections.start();
            shared = new StringRedisTemplate(connections);
        }
        return shared;
    }

    // ---------------------------------------------------------------- what the actions may pick

    List<SimulatedProcess> alive() {
        return processes.stream().filter(p -> !p.gone).toList();
    }

    /** A live process by its first name (P1, whatever its identity now). */
    SimulatedProcess process(String name) {
        return alive().stream().filter(process -> process.name.equals(name)).findFirst()
                .orElseThrow(() -> new IllegalArgumentException("no live process " + name));
    }

    List<Slot> slots() {
        return alive().stream().flatMap(p -> p.slots.stream()).toList();
    }

    /** Threads that may take: idle ones, when a take would do something (zombies too). */
    List<Slot> slotsThatMayTake() {
        return slots().stream().filter(this::wouldTake).toList();
    }

    /**
     * An idle thread's take does something when there is something to take, its list to read, or (its process took a
     * new identity) its old list to give back. The consumer's loop takes whatever the queue holds (an empty queue
     * blocks it); the model leaves out the takes that would only wait.
     */
    private boolean wouldTake(Slot slot) {
        return slot.idle() && (slot.recover || !queued.isEmpty()
                || slot.workerId != null && !slot.workerId.equals(slot.process().identity.workerId(slot.number)));
    }

    /** Threads that would send a scripted take now (not a recovery): one that is held up on its way is possible. */
    List<Slot> slotsThatMaySendATake() {
        return slots().stream().filter(s -> s.idle() && !s.recover && !queued.isEmpty()
                && s.process().identity.workerId(s.number).equals(s.workerId)).toList();
    }

    List<Slot> slotsWithUnreserved() {
        return slots().stream().filter(s -> !s.unreserved.isEmpty()).toList();
    }

    List<Slot> slotsWithWaiting() {
        return slots().stream().filter(s -> !s.waiting.isEmpty()).toList();
    }

    /** A job a worker thread has started and not moved on. */
    record Running(Slot slot, Job job, String label) {
        @Override
        public String toString() {
            return slot.label() + " running " + label;
        }
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

    /**
     * Processes whose reaper may lose a claim's reply, when the claim may take started jobs (a lost reply matters
     * then: a process that holds some was found silent): registered ones (silent or not). A zombie's lost claim is left
     * out: what it claimed sits under an id that is no longer registered, which its reaper, under its next identity,
     * never looks at again; only the orphan sweep would bring those jobs back, a minute later.
     */
    List<SimulatedProcess> processesThatMayLoseAClaim() {
        boolean startedJobsToClaim = registrations.entrySet().stream().anyMatch(entry -> entry.getValue().marked
                && jobs.values().stream().anyMatch(job -> job.where == Where.PROCESSING && entry.getKey().equals(job.process)));
        return !startedJobsToClaim ? List.of() : alive().stream().filter(p -> registrations.containsKey(p.id())).toList();
    }

    /** Processes whose reaper may run a pass: every one alive, silent or not (a silent one's reaper passes it by). */
    List<SimulatedProcess> reapersThatMayPass() {
        return alive();
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
        begin("enqueue");
        Job job = Job.create("{\"n\":" + (jobs.size() + 1) + "}", System.currentTimeMillis());
        String key = idempotencyKey ? "key-" + job.id() : "";
        JobIntake.Enqueued first = intake.enqueue(job, key);
        ModelJob model = addJob(job.id(), job.json());
        expect(first.created(), "enqueue", model.label + " was not created");
        queued.add(job.json());
        String how = "";
        if (replyLost) {
            JobIntake.Enqueued again = intake.enqueue(job, key);
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
        begin("LPUSH a seed job");
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
        begin("LPUSH " + job.label + "'s first JSON again");
        redis.opsForList().leftPush(keys.queued(), job.original);
        queued.add(job.original);
        note("LPUSH " + job.label + "'s first JSON again (now " + job.where + ", rev " + job.rev + ")");
    }

    private ModelJob addJob(String id, String json) {
        ModelJob model = new ModelJob(id, "J" + (jobs.size() + 1), json);
        jobs.put(id, model);
        return model;
    }

    // ---------------------------------------------------------------- a worker thread's life with a job

    /**
     * As JobQueueConsumer.take: a thread whose process has a new identity first gives back what its old reserved list
     * holds, and recovers; a thread that recovers (at its start, after a new identity, after a take whose reply was
     * lost) moves its fence and reads its reserved list; when that holds nothing, the consumer's loop takes at once,
     * up to {@code max} jobs under the fence. A take whose fence has moved takes nothing by script and falls back to
     * BLMOVE, which moves one value. A recovery of a process that is not registered, and a take whose fence is gone
     * (a reaper buried the worker), throw WorkerTakenForDead and move nothing: the thread then does what the consumer
     * does ({@link #takenForDead}). With {@code replyLost}, Redis did all this but the thread never saw the values: it
     * recovers next time.
     */
    void take(Slot slot, int max, boolean replyLost) {
        begin(slot.label() + " takes up to " + max);
        SimulatedProcess process = slot.process();
        String workerId = process.identity.workerId(slot.number);
        StringBuilder said = new StringBuilder(slot.label() + " ");
        if (slot.workerId != null && !slot.workerId.equals(workerId)) {
            Bag left = reservedList(slot.workerId).copy();
            long released = process.store.releaseReserved(slot.workerId, process.store.reservedValues(slot.workerId));
            expect(released == left.size(), "release of an old identity's list",
                    "released " + released + " of " + describe(left) + " from " + workerLabel(slot.workerId));
            release(slot.workerId, left.values());
            slot.recover = true;
            said.append("gives back its old list ").append(describe(left)).append(", then ");
        }
        slot.workerId = workerId;
        List<byte[]> taken = List.of();
        if (slot.recover) {
            boolean registered = registrations.containsKey(WorkerIdentity.processOf(workerId));
            JobStore.Recovered recovered;
            try {
                recovered = process.store.recover(workerId);
            } catch (WorkerTakenForDead e) {
                expect(!registered, "only a recovery of an unregistered process is refused",
                        slot.label() + " was refused, but " + processLabel(WorkerIdentity.processOf(workerId)) + " is registered");
                takenForDead(slot, said.append("recovers: refused, ").append(processLabel(WorkerIdentity.processOf(workerId)))
                        .append(" is not registered"));
                return;
            }
            expect(registered, "a recovery of an unregistered process moves nothing",
                    slot.label() + " recovered, but " + processLabel(WorkerIdentity.processOf(workerId)) + " is not registered");
            long fence = fences.merge(workerId, 1L, Long::sum);
            expect(recovered.fence() == fence, "a recovery moves its worker's fence",
                    slot.label() + " got fence " + recovered.fence() + ", expected " + fence);
            slot.fence = recovered.fence();
            taken = recovered.values();
            slot.unreservedAgain = !taken.isEmpty();
            expect(Bag.of(text(taken)).equals(reservedList(workerId)), "a recovery reads the reserved list",
                    "read " + describe(Bag.of(text(taken))) + " but the list holds " + describe(reservedList(workerId)));
            slot.recover = false;
            said.append("recovers (fence ").append(fence).append("): ").append(describe(Bag.of(text(taken))));
        }
        if (taken.isEmpty() && !queued.isEmpty()) {
            boolean fenceGone = !fences.containsKey(workerId);
            boolean fenceHolds = !fenceGone && fences.get(workerId) == slot.fence;
            int expected = fenceHolds ? Math.min(max, queued.size()) : 1;
            try {
                taken = process.store.take(workerId, slot.fence, max, BLOCKING_WAIT);
            } catch (WorkerTakenForDead e) {
                expect(fenceGone, "only a take whose fence is gone finds its worker taken for dead",
                        slot.label() + " was told so under fence " + slot.fence + ", which holds " + fences.get(workerId));
                takenForDead(slot, said.append(said.charAt(said.length() - 1) == ' ' ? "" : ", then ")
                        .append("takes: its fence is gone, taken for dead"));
                return;
            }
            expect(!fenceGone, "a take whose fence is gone takes nothing",
                    slot.label() + " took " + describe(Bag.of(text(taken))) + " though its fence is gone");
            slot.unreservedAgain = false;
            expect(taken.size() == expected, "take", slot.label() + " asked for " + max + " of " + queued.size()
                    + " queued values under " + (fenceHolds ? "its fence" : "a fence that moved (BLMOVE: one)")
                    + " and got " + taken.size());
            for (String value : text(taken)) {
                expect(queued.remove(value), "take", "took " + describe(value) + ", which the queue did not hold");
                reservedList(workerId).add(value);
            }
            said.append(said.charAt(said.length() - 1) == ' ' ? "" : ", then ").append("takes up to ").append(max)
                    .append(fenceHolds ? "" : " (fenced off: BLMOVE moves one)").append(": ").append(describe(Bag.of(text(taken))));
            if (!fenceHolds) {
                happened.add("a fenced-off take fell back to BLMOVE");
            }
            if (!registrations.containsKey(process.id())) {
                happened.add("a zombie took");
            }
        }
        if (replyLost) {
            slot.recover = true;
            note(said + " (reply lost: the thread never sees them)");
            return;
        }
        Instant now = Instant.now();
        // held under the process the values were taken as, even if it takes a new identity meanwhile
        String holder = WorkerIdentity.processOf(workerId);
        for (byte[] value : taken) {
            slot.unreserved.add(new ReservedJob(value, Job.fromTaken(value, Long.MAX_VALUE, now).withRun(WorkerIdentity.newRun(holder))));
        }
        note(said.toString());
    }

    /**
     * As JobQueueConsumer.work on WorkerTakenForDead: the thread will recover, and a process that believes itself
     * registered has lost its registration: it goes on under a new identity (Heartbeat.registrationLost, which acts
     * only while the worker's process id is still the process's own).
     */
    private void takenForDead(Slot slot, StringBuilder said) {
        SimulatedProcess process = slot.process();
        slot.recover = true;
        happened.add("a take or recovery found its worker taken for dead");
        if (process.believesRegistered && process.id().equals(WorkerIdentity.processOf(slot.workerId))) {
            takeNewIdentity(process);
            said.append(", so it goes on as ").append(process.label());
        }
        note(said.toString());
    }

    /** As JobQueueConsumer.work: a take and, at once, the reservation of what it took (after a lost reply: a recovery). */
    void takeAndReserve(Slot slot, int max, boolean replyLost, boolean reserveRetried) {
        take(slot, max, replyLost);
        if (replyLost) {
            take(slot, max, false);
        }
        if (!slot.unreserved.isEmpty()) {
            reserve(slot, reserveRetried);
        }
    }

    /** The thread's take is held up on its way to Redis: the thread gives up on it (a timeout) and will recover first. */
    void sendHeldUpTake(Slot slot, int max) {
        begin(slot.label() + " sends a take that is held up");
        heldUpTakes.add(new HeldUpTake(slot, slot.workerId, slot.fence, max, false));
        slot.recover = true;
        note(slot.label() + " sends a take (fence " + slot.fence + ", up to " + max + ") that is held up on its way; "
                + "the thread gives up on it");
    }

    /**
     * Threads whose take's script would find the queue empty (their fence holds), so that they block in BLMOVE: the
     * model takes only when the queue holds values, but for this.
     */
    List<Slot> slotsThatMayBlock() {
        return !queued.isEmpty() ? List.of() : slots().stream().filter(s -> s.idle() && !s.recover
                && s.process().identity.workerId(s.number).equals(s.workerId)
                && fences.containsKey(s.workerId) && fences.get(s.workerId) == s.fence).toList();
    }

    /**
     * As JobStore.take on an empty queue: the script takes nothing, and the thread waits in BLMOVE, which is held up on
     * its way to Redis (or waits there): it moves a value whenever it lands ({@link #landHeldUpTake}), whatever
     * happened to the worker meanwhile, until its wait is over (every take's wait is shorter than a time step, and than
     * the relook after a burial).
     */
    void blockInTake(Slot slot) {
        begin(slot.label() + " takes from an empty queue and blocks");
        List<Object> reply = redis.execute(TAKE_SCRIPT, List.of(keys.queued(), keys.reserved(slot.workerId),
                keys.fence(slot.workerId)), "1", String.valueOf(slot.fence));
        expect(reply.size() == 1 && (Long) reply.get(0) == 0, "a take from an empty queue takes nothing", "got " + reply);
        heldUpTakes.add(new HeldUpTake(slot, slot.workerId, slot.fence, 1, true));
        slot.blocked = true;
        note(slot.label() + " takes from the empty queue (fence " + slot.fence + "): nothing, so it waits in BLMOVE");
    }

    /**
     * A held-up take reaches Redis, whatever its thread or process did since. A scripted one takes only while its fence
     * holds, that is while its thread has not recovered since and its worker was not taken for dead or deregistered
     * (then it learns that: -1). A BLMOVE moves the value at the front of the queue into the worker's list, fence or
     * none, and its thread (if its process still runs) has it to reserve next.
     */
    void landHeldUpTake(HeldUpTake take) {
        begin(take + " lands");
        heldUpTakes.remove(take);
        if (take.blocking()) {
            landBlockingTake(take);
            return;
        }
        boolean fenceGone = !fences.containsKey(take.workerId());
        boolean fenceHolds = !fenceGone && fences.get(take.workerId()) == take.fence();
        int expected = fenceHolds ? Math.min(take.max(), queued.size()) : 0;
        List<Object> reply = redis.execute(TAKE_SCRIPT, List.of(keys.queued(), keys.reserved(take.workerId()),
                keys.fence(take.workerId())), String.valueOf(take.max()), String.valueOf(take.fence()));
        List<String> taken = reply.subList(1, reply.size()).stream().map(String.class::cast).toList();
        expect(taken.size() == expected, "a take whose fence has moved takes nothing",
                take + " took " + taken.size() + ", expected " + expected + (fenceHolds ? "" : " (its fence moved)"));
        expect(((Long) reply.get(0) < 0) == fenceGone, "a take whose fence is gone learns it was taken for dead",
                take + " got count " + reply.get(0) + (fenceGone ? ", its fence is gone" : ""));
        for (String value : taken) {
            expect(queued.remove(value), "take", "took " + describe(value) + ", which the queue did not hold");
            reservedList(take.workerId()).add(value);
        }
        happened.add(fenceHolds ? "a held-up take landed before its thread recovered" : "a held-up take was fenced off");
        note(take + " lands: " + (fenceHolds ? describe(Bag.of(taken)) + " into " + workerLabel(take.workerId())
                + "'s list" : "fenced off, takes nothing"));
    }

    private void landBlockingTake(HeldUpTake take) {
        byte[] moved = redis.execute((RedisCallback<byte[]>) connection -> (byte[]) connection.execute("BLMOVE",
                bytes(keys.queued()), bytes(keys.reserved(take.workerId())), bytes("RIGHT"), bytes("RIGHT"), bytes("0.01")));
        Slot slot = take.slot();
        slot.blocked = false;
        expect((moved != null) == !queued.isEmpty(), "BLMOVE moves a value when the queue holds one",
                take + " moved " + (moved == null ? "nothing" : describe(text(moved))) + " from " + describe(queued));
        if (moved == null) {
            note(take + " lands on an empty queue: its wait runs out");
            return;
        }
        String value = text(moved);
        expect(queued.remove(value), "take", "BLMOVE took " + describe(value) + ", which the queue did not hold");
        reservedList(take.workerId()).add(value);
        String holder = WorkerIdentity.processOf(take.workerId());
        boolean toDeadWorker = !registrations.containsKey(holder);
        if (toDeadWorker) {
            happened.add("a BLMOVE moved a value into the list of a worker taken for dead");
        }
        if (!slot.process().gone) {
            slot.unreserved.add(new ReservedJob(moved, Job.fromTaken(moved, Long.MAX_VALUE, Instant.now())
                    .withRun(WorkerIdentity.newRun(holder))));
            slot.unreservedAgain = false;
        }
        note(take + " lands: " + describe(value) + (toDeadWorker ? " into the list of a worker taken for dead" : "")
                + (slot.process().gone ? ", and its process is gone" : ""));
    }

    /** A blocking take whose wait is over without a value: its thread goes on, empty-handed. */
    private void blockingTakeRunsOut(HeldUpTake take) {
        heldUpTakes.remove(take);
        take.slot().blocked = false;
        note("  " + take + ": its wait runs out");
    }

    /**
     * As JobQueueConsumer.reserve: the taken values are claimed as the process they were taken as. A value is the
     * worker's to run only if it is the first of its job in this reservation, the value is not of an older rev than
     * the job, and the job has no instance anywhere else (the model's WAITING) or, when the values were read again by
     * a recovery, it is this very worker's reserved job, never started; any other is a copy, dropped unrun (a copy of
     * a job this worker runs, too). A process found unregistered takes a new identity (if it is still the one the
     * values were taken as) and gives the values back.
     */
    void reserve(Slot slot, boolean retried) {
        begin(slot.label() + " reserves " + labels(slot.unreserved));
        SimulatedProcess process = slot.process();
        List<ReservedJob> taken = slot.unreserved;
        slot.unreserved = new ArrayList<>();
        List<Job> toClaim = taken.stream().map(ReservedJob::job).toList();
        String holder = WorkerIdentity.processOf(slot.workerId);
        boolean registered = registrations.containsKey(holder);
        List<Boolean> expectedMine = new ArrayList<>();
        Set<String> claimedHere = new HashSet<>();
        for (ReservedJob value : taken) {
            ModelJob job = jobOf(value);
            boolean free = job.where == Where.WAITING
                    || job.where == Where.RESERVED && slot.unreservedAgain && slot.workerId.equals(job.worker);
            expectedMine.add(registered && !claimedHere.contains(job.id) && free && JobStates.rev(value.job()) >= job.rev);
            if (expectedMine.get(expectedMine.size() - 1)) {
                claimedHere.add(job.id);
            }
        }
        JobStore.Reserved outcome = process.store.reserve(slot.workerId, toClaim, slot.unreservedAgain);
        if (retried) {
            JobStore.Reserved again = process.store.reserve(slot.workerId, toClaim, slot.unreservedAgain);
            expect(again.equals(outcome), "a retried reserve finds its own holds",
                    "first " + outcome + ", sent again " + again);
        }
        expect(outcome.registered() == registered, "reserve knows whether the process is registered",
                processLabel(holder) + " registered: model " + registered + ", reserve " + outcome.registered());
        if (!outcome.registered()) {
            String who = slot.label();
            boolean renews = process.id().equals(holder);
            if (renews) {
                takeNewIdentity(process);
            }
            List<byte[]> values = taken.stream().map(ReservedJob::taken).toList();
            Bag present = reservedList(slot.workerId).copy();
            List<String> back = text(values).stream().filter(present::remove).toList();
            long released = process.store.releaseReserved(slot.workerId, values);
            expect(released == back.size(), "release after an unregistered reserve",
                    "released " + released + ", expected " + back.size());
            release(slot.workerId, back);
            happened.add("a reserve found its process taken for dead");
            note(who + " reserves " + labels(taken) + sentTwice(retried)
                    + ": " + processLabel(holder) + " is not registered, so "
                    + (renews ? "it goes on as " + process.label() + " and " : "") + "gives back " + describe(Bag.of(back)));
            return;
        }
        List<String> said = new ArrayList<>();
        for (int i = 0; i < taken.size(); i++) {
            ReservedJob value = taken.get(i);
            ModelJob job = jobOf(value);
            boolean mine = outcome.mine().get(i);
            expect(mine == expectedMine.get(i), "reserve claims a job's only instance and nothing else",
                    slot.label() + " reserving " + describe(text(value.taken())) + " of " + show(job) + ": expected "
                            + (expectedMine.get(i) ? "mine" : "a copy") + ", got " + (mine ? "mine" : "a copy"));
            if (mine) {
                if (job.where == Where.RESERVED) {
                    happened.add("a worker claimed anew its own reserved job, read again");
                }
                job.held(Where.RESERVED, holder, slot.workerId, value.job().run(), text(value.taken()));
                slot.waiting.add(value);
                said.add(job.label);
            } else {
                boolean dropped = process.store.drop(slot.workerId, value.taken()).join();
                boolean present = reservedList(slot.workerId).remove(text(value.taken()));
                expect(dropped == present, "drop", "dropping a copy of " + job.label + ": " + dropped + ", expected " + present);
                boolean older = JobStates.rev(value.job()) < job.rev;
                said.add(job.label + " (" + (older ? "older " : "") + "copy, dropped)");
                happened.add(older ? "an older copy was dropped" : "a copy was dropped");
            }
        }
        note(slot.label() + " reserves " + said + sentTwice(retried));
    }

    /**
     * As the worker route's start step: the next reserved job goes to processing. Redis starts it when its value is
     * still in the worker's reserved list; that is right only when the job is reserved by this very run.
     */
    void start(Slot slot, boolean retried) {
        begin(slot.label() + " starts its next job");
        SimulatedProcess process = slot.process();
        ReservedJob next = slot.waiting.poll();
        ModelJob job = jobOf(next);
        String value = text(next.taken());
        boolean inList = reservedList(slot.workerId).contains(value);
        boolean holds = job.where == Where.RESERVED && next.job().run().equals(job.run);
        Job started = next.job().started(slot.workerId, System.currentTimeMillis());
        Job result = process.store.start(slot.workerId, next.taken(), started).join();
        if (retried) {
            Job again = process.store.start(slot.workerId, next.taken(), started).join();
            expect((again == null) == (result == null), "a retried start finds its own start",
                    "first " + (result != null) + ", sent again " + (again != null));
        }
        expect((result != null) == inList, "a job starts when its value is in its worker's list",
                slot.label() + " starting " + show(job) + ": expected " + (inList ? "started" : "refused")
                        + ", got " + (result != null ? "started" : "refused"));
        if (result == null) {
            note(slot.label() + " starts " + job.label + ": no longer its own");
            happened.add("a stale start was refused");
            return;
        }
        expect(holds, "only the run that holds a job starts it",
                slot.label() + " started " + show(job) + " under a run that does not hold it");
        reservedList(slot.workerId).remove(value);
        job.held(Where.PROCESSING, WorkerIdentity.processOf(slot.workerId), slot.workerId, next.job().run(), result.json());
        expectCounts(job, result.json(), "the job that starts carries its attempts and stalls");
        slot.running.add(result);
        note(slot.label() + " starts " + job.label + sentTwice(retried));
    }

    /** As the worker route's last step: the attempt completes, fails, or is retried after a backoff (0 or 10 ms). */
    void finish(Slot slot, Job running, Outcome outcome, boolean retried) {
        begin(slot.label() + " " + outcome + " " + label(running.id()));
        ModelJob job = jobs.get(running.id());
        // Redis moves the job when it is in the held hash of the process the run names; only this very run may
        boolean heldThere = job.where == Where.PROCESSING && holderOf(running.run()).equals(job.process);
        boolean holds = job.where == Where.PROCESSING && Objects.equals(job.run, running.run());
        // a move sent again finds it made by its run through the record, which names the run
        boolean recordNamesRun = Objects.equals(job.run, running.run());
        Job after = move(slot.process().store, running, outcome);
        if (retried) {
            Job again = move(slot.process().store, running, outcome);
            expect((again == null) == (after == null || !recordNamesRun), "a retried move finds its own move",
                    slot.label() + " " + outcome + " " + job.label + ": first " + (after != null ? "moved" : "refused")
                            + ", sent again " + (again != null ? "moved" : "refused"));
        }
        slot.running.remove(running);
        expect((after != null) == heldThere, "a move finds the job in its holder's held hash",
                slot.label() + " moving " + show(job) + " to " + outcome + ": expected " + (heldThere ? "moved" : "refused")
                        + ", got " + (after != null ? "moved" : "refused"));
        if (after == null) {
            note(slot.label() + " " + outcome + " " + job.label + ": refused, no longer its run");
            happened.add("a stale move was refused");
            return;
        }
        expect(holds, "only the run that holds a job moves it", slot.label() + " moved " + show(job) + " under another run");
        job.attempts++;
        switch (outcome) {
            case COMPLETE -> job.unheld(Where.COMPLETED, after.json());
            case FAIL -> job.unheld(Where.FAILED, after.json());
            default -> {
                job.unheld(Where.DELAYED, after.json());
                job.rev++;
                job.dueForSure = outcome == Outcome.RETRY_NOW;
            }
        }
        if (job.isFinished()) {
            job.finishes++;
        }
        expectCounts(job, after.json(), "attempts count the finished attempts");
        note(slot.label() + " " + outcome + " " + job.label + sentTwice(retried));
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
        begin(slot.label() + " gives back its waiting jobs");
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
        release(slot.workerId, back);
        note(slot.label() + " gives back its waiting jobs " + labels(waiting) + sentTwice(retried));
    }

    /** As JobQueueConsumer at the end of its shutdown timeout: a running job goes back to the queue, as queued. */
    void handBack(Slot slot, Job running) {
        begin(slot.label() + " hands back " + label(running.id()));
        ModelJob job = jobs.get(running.id());
        boolean heldThere = job.where == Where.PROCESSING && holderOf(running.run()).equals(job.process);
        boolean holds = job.where == Where.PROCESSING && Objects.equals(job.run, running.run());
        Job queuedAgain = JobStates.handedBack(running);
        boolean moved = slot.process().store.requeue(running, queuedAgain, JobEvent.of(queuedAgain, System.currentTimeMillis()));
        slot.running.remove(running);
        expect(moved == heldThere, "a hand-back finds the job in its holder's held hash",
                slot.label() + " handing back " + show(job) + ": " + moved);
        if (moved) {
            expect(holds, "only the run that holds a job hands it back", slot.label() + " handed back " + show(job));
            job.unheld(Where.WAITING, null);
            job.rev++;
            job.current = queuedAgain.json();
            queued.add(queuedAgain.json());
        }
        note(slot.label() + " hands back " + job.label + (moved ? "" : ": refused"));
    }

    // ---------------------------------------------------------------- others' work on jobs

    /** As the DelayedJobsPromoter: due retries go back to the queue. Those certainly due must. */
    void promote() {
        begin("promote due retries");
        List<ModelJob> delayed = jobsIn(Where.DELAYED);
        long moved = producer.promoteDelayed(100);
        Set<String> still = members(keys.delayed());
        List<String> went = new ArrayList<>();
        for (ModelJob job : delayed) {
            boolean promoted = !still.contains(job.value);
            expect(promoted || !job.dueForSure, "a due retry is promoted", show(job) + " was due and stayed delayed");
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
        begin("retry " + job.label + " by hand");
        String stored = range(keys.failed()).stream().filter(value -> Job.parse(value).id().equals(job.id)).findFirst()
                .orElseThrow(() -> failure("retry by hand", show(job) + " is not in the failed list"));
        Job failed = Job.parse(stored);
        List<Job> moved = lists.retryFailed(List.of(failed));
        expect(moved.size() == 1, "retry by hand", show(job) + " did not move");
        if (replyLost) {
            expect(lists.retryFailed(List.of(failed)).isEmpty(), "a retried retry moves nothing more", job.label);
        }
        job.unheld(Where.WAITING, null);
        job.rev++;
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
        SimulatedProcess process = new SimulatedProcess("P" + (processes.size() + 1), redis, connections, keys, THREADS,
                maxStalls, CONFIRM_MS, LIVE_TIMEOUT_MS, RELOOK_MS);
        processes.add(process);
        register(process);
        note("start " + process.label() + (processes.size() == 1 ? " (max-stalls " + maxStalls + ")" : ""));
        return process;
    }

    private void register(SimulatedProcess process) {
        process.register(registry);
        registrations.put(process.id(), new Registration());
        processLabels.put(process.id(), process.label());
    }

    /** The process stops sending heartbeats (a long pause, or cut off from Redis): by its clock it goes on as it was. */
    void fallSilent(SimulatedProcess process) {
        begin(process.label() + " falls silent");
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
        begin(process.label() + " crashes");
        silence(process);
        process.gone = true;
        process.close();
        note(process.label() + " crashes");
    }

    /**
     * As Heartbeat.runOnce: registers if it believes it is not registered; otherwise a heartbeat, and when that finds it
     * taken for dead, a new identity (its slots drop the jobs they were waiting to start) and a new registration.
     */
    void heartbeat(SimulatedProcess process) {
        begin(process.label() + " heartbeat");
        if (!process.believesRegistered) {
            register(process);
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
        takeNewIdentity(process);
        note(was + " heartbeat: taken for dead, so it drops its waiting jobs and goes on as " + process.label());
    }

    /** As Heartbeat.takeNewIdentity: never the old id again (records of jobs given back still name it). */
    private void takeNewIdentity(SimulatedProcess process) {
        process.renewIdentity();
        register(process);
        happened.add("a process taken for dead took a new identity");
    }

    /**
     * Real time passes: every reaper mark may now be confirmed, every burial looked at again, every retry is due, and
     * every blocking take's wait is over.
     */
    void timePasses() {
        begin(TIME_STEP_MS + " ms pass");
        sleep(TIME_STEP_MS);
        registrations.values().forEach(registration -> registration.confirmable = registration.marked);
        burials.replaceAll((id, due) -> true);
        jobsIn(Where.DELAYED).forEach(job -> job.dueForSure = true);
        heldUpTakes.stream().filter(HeldUpTake::blocking).toList().forEach(this::blockingTakeRunsOut);
        note(TIME_STEP_MS + " ms pass");
    }

    /**
     * One pass of the real Reaper duty in {@code reaper}'s process; with {@code claimReplyLost}, its claimDeadWorkers
     * call runs in Redis but its reply is lost (a timeout), so the pass fails and gives nothing back, and the Reaper's
     * next pass must claim again what this one claimed.
     * <p>
     * A process taken for dead is buried (unregistered, its lists to be emptied once more RELOOK_MS later) once its
     * started jobs are claimed into the reaper's hash. A reaper never suspects or takes its own process for dead (that
     * process runs), however silent its heartbeat: only other processes' reapers do. Last, the pass empties the
     * reserved lists of the processes buried RELOOK_MS ago or more once again.
     */
    void reaperPass(SimulatedProcess reaper, boolean claimReplyLost) {
        begin(reaper.label() + (claimReplyLost ? " reaper claims, reply lost" : " reaper pass"));
        Map<String, Registration> before = new LinkedHashMap<>(registrations);
        Map<String, Boolean> buriedBefore = new TreeMap<>(burials);
        // the script looks at silent processes in the order their heartbeats ran out
        List<String> byExpiry = new ArrayList<>(redis.opsForZSet().range(keys.workers(), 0, -1));
        String reaperId = reaper.id();
        // the Reaper's earlier claims whose reply was lost: it claims them again first
        List<ModelJob> reclaimed = !reaper.claimMayHaveBeenLost ? List.of() : jobs.values().stream()
                .filter(job -> job.where == Where.PROCESSING && reaperId.equals(job.process)
                        && ("reaper@" + reaperId).equals(job.worker)).toList();
        if (claimReplyLost) {
            reaper.reaperPassLosingTheClaimReply();
            reaper.claimMayHaveBeenLost = true;
            happened.add("a claim's reply was lost");
        } else {
            reaper.reaperPass();
            reaper.claimMayHaveBeenLost = false;
            if (!reclaimed.isEmpty()) {
                happened.add("a reaper claimed again what a lost reply had left");
            }
        }
        Set<String> workers = members(keys.workers());
        Set<String> suspects = members(keys.suspects());
        List<String> said = new ArrayList<>();
        List<String> dead = new ArrayList<>();
        for (String id : byExpiry) {
            Registration registration = before.get(id);
            expect(registration != null, "registrations", "an unknown process " + id + " was registered");
            boolean removed = !workers.contains(id);
            boolean takenForDead = removed || registration.confirmable;
            String who = processLabel(id);
            if (id.equals(reaperId)) {
                expect(!removed && suspects.contains(id) == registration.marked, "a reaper never takes its own process for dead",
                        who + "'s own reaper " + (removed ? "took it for dead" : "changed whether it is suspected"));
                if (registration.expired) {
                    happened.add("a silent process's reaper passed it by");
                }
                continue;
            }
            if (!registration.expired) {
                expect(!takenForDead && !suspects.contains(id), "a live process is never taken for dead",
                        who + " was taken for dead or suspected while its heartbeat held");
            } else if (!registration.marked) {
                expect(!takenForDead && suspects.contains(id), "a silent process is first only suspected",
                        who + (takenForDead ? " was taken for dead at the first sighting" : " was not marked"));
                registration.marked = true;
                said.add(who + " suspected");
            }
            if (takenForDead) {
                dead.add(id);
                happened.add("a process was taken for dead");
            }
        }
        for (String id : workers) {
            expect(before.containsKey(id), "registrations", "a reaper pass registered " + id);
        }

        // what the claim did, in the script's order: the reaper's earlier claims, then each dead process's jobs
        List<ModelJob> claimed = new ArrayList<>(reclaimed);
        for (String id : dead) {
            List<ModelJob> started = claimDead(id);
            expect(!workers.contains(id), "a process taken for dead is buried once its jobs are claimed",
                    processLabel(id) + " was taken for dead and is still registered");
            registrations.remove(id);
            burials.put(id, false);
            said.add(processLabel(id) + " taken for dead");
            for (ModelJob job : started) {
                job.held(Where.PROCESSING, reaperId, "reaper@" + reaperId, null, job.value);
                if (!claimed.contains(job)) {
                    claimed.add(job);
                }
            }
        }
        List<String> relooked = relook(buriedBefore);
        if (!claimReplyLost) {
            // the stalled jobs' new queued values were written by the Reaper: read them back, one per stalled job
            Bag fresh = Bag.of(range(keys.queued())).minus(queued);
            Map<String, List<String>> freshById = fresh.values().stream()
                    .collect(Collectors.groupingBy(value -> Job.parse(value).id()));
            for (ModelJob job : claimed) {
                List<String> values = freshById.getOrDefault(job.id, List.of());
                job.stalls++;
                happened.add("a started job stalled");
                if (job.stalls <= maxStalls) {
                    job.unheld(Where.WAITING, null);
                    job.rev++;
                    expect(values.size() == 1, "a stalled job goes back to the queue once",
                            show(job) + " has " + values.size() + " new values in the queue");
                    Job requeued = Job.parse(values.get(0));
                    expect("queued".equals(requeued.status()), "a stalled job is queued again", values.get(0));
                    expectCounts(job, values.get(0), "a stall counts once per death of its process");
                    job.current = values.get(0);
                    queued.add(values.get(0));
                } else {
                    String failed = range(keys.failed()).stream().filter(v -> Job.parse(v).id().equals(job.id))
                            .findFirst().orElseThrow(() -> failure("a job that stalls too often fails", show(job) + " is not in failed"));
                    job.unheld(Where.FAILED, failed);
                    job.finishes++;
                    happened.add("a job failed for its stalls");
                    expectCounts(job, failed, "a job that stalls too often fails with its stalls counted");
                }
            }
        }
        note(reaper.label() + (claimReplyLost ? " reaper claims, reply lost: " : " reaper pass: ") + said
                + (reclaimed.isEmpty() ? "" : ", claims again " + reclaimed.stream().map(job -> job.label).toList())
                + (claimed.isEmpty() ? "" : (claimReplyLost ? ", claimed " : ", stalled ")
                + claimed.stream().map(job -> job.label + "->" + job.where).toList())
                + (relooked.isEmpty() ? "" : ", empties once more the lists of " + relooked));
    }

    /** The jobs a process has started (or its reaper claimed), as the model knows them. */
    private List<ModelJob> startedBy(String processId) {
        return jobs.values().stream().filter(job -> job.where == Where.PROCESSING && processId.equals(job.process)).toList();
    }

    /**
     * The end of a claim: the reserved lists of processes buried RELOOK_MS ago or more are emptied once more, and their
     * burial forgotten; certainly those buried before the last time step. Returns those relooked.
     */
    private List<String> relook(Map<String, Boolean> buriedBefore) {
        Set<String> stillBuried = members(keys.buried());
        List<String> relooked = new ArrayList<>();
        buriedBefore.forEach((id, due) -> {
            boolean done = !stillBuried.contains(id + "|" + THREADS);
            expect(done || !due, "a buried process's lists are emptied once more after the relook time",
                    processLabel(id) + " is still buried");
            if (done) {
                List<String> back = new ArrayList<>();
                for (int n = 1; n <= THREADS; n++) {
                    String workerId = id + "-" + n;
                    back.addAll(reservedList(workerId).values());
                    release(workerId, reservedList(workerId).values());
                    expect(!fences.containsKey(workerId), "a buried worker has no fence", workerLabel(workerId));
                    // a take waits less than the relook time: whatever it moved has landed by now
                    heldUpTakes.stream().filter(take -> take.blocking() && take.workerId().equals(workerId)).toList()
                            .forEach(this::blockingTakeRunsOut);
                }
                burials.remove(id);
                relooked.add(processLabel(id) + (back.isEmpty() ? "" : " " + describe(Bag.of(back))));
                happened.add(back.isEmpty() ? "a buried process's lists were looked at once more"
                        : "values in a buried process's list went back to the queue");
            }
        });
        return relooked;
    }

    /**
     * What claiming a dead process does to the model: its reserved lists go back to the queue, its fences go. Returns
     * the jobs it had started, and those its reaper had claimed (the caller says where they go).
     */
    private List<ModelJob> claimDead(String processId) {
        for (int n = 1; n <= THREADS; n++) {
            String workerId = processId + "-" + n;
            release(workerId, reservedList(workerId).values());
            fences.remove(workerId);
        }
        return startedBy(processId);
    }

    /**
     * Values go back from a reserved list to the queue; a job whose instance was reserved there is waiting again (its
     * record says 'queued' if the releasing process held it, else it names a process that is not registered).
     */
    private void release(String workerId, List<String> values) {
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
     * then each thread's reserved list goes back to the queue, and the process deregisters, which it may only do when
     * it holds nothing. A process that could not deregister falls silent, for a reaper to clean up after.
     */
    void stopCleanly(SimulatedProcess process) {
        begin(process.label() + " stops cleanly");
        // idle threads come back from their blocking takes first (with a value, if one lands)
        for (HeldUpTake take : List.copyOf(heldUpTakes)) {
            if (take.blocking() && take.slot().process() == process) {
                landHeldUpTake(take);
                begin(process.label() + " stops cleanly");
            }
        }
        for (Slot slot : process.slots) {
            for (Job running : List.copyOf(slot.running)) {
                handBack(slot, running);
            }
        }
        for (Slot slot : process.slots) {
            slot.waiting.clear();
            slot.unreserved.clear();
            if (slot.workerId != null) {
                Bag list = reservedList(slot.workerId).copy();
                long released = process.store.releaseReserved(slot.workerId, process.store.reservedValues(slot.workerId));
                expect(released == list.size(), "release at shutdown", "released " + released + " of " + describe(list));
                release(slot.workerId, list.values());
            }
        }
        String id = process.id();
        boolean registered = registrations.containsKey(id);
        boolean holdsNothing = jobs.values().stream().noneMatch(job -> job.where == Where.PROCESSING && id.equals(job.process));
        // the script finds the reserved lists through the description (gone once a reaper took the process for dead)
        for (int n = 1; n <= THREADS && registered; n++) {
            holdsNothing &= reservedList(id + "-" + n).isEmpty();
        }
        boolean deregistered = registry.deregister(id);
        expect(deregistered == holdsNothing, "a process deregisters exactly when it holds nothing",
                process.label() + " deregistered " + deregistered + ", holds nothing " + holdsNothing);
        if (deregistered) {
            registrations.remove(id);
            for (int n = 1; n <= THREADS && registered; n++) {
                fences.remove(id + "-" + n);
            }
        } else {
            silence(process);
        }
        process.gone = true;
        process.close();
        note(process.label() + " stops cleanly" + (deregistered ? "" : ", still holding jobs: it falls silent"));
    }

    // ---------------------------------------------------------------- the end: drain, then nothing may be left

    /**
     * Held-up takes land, every process still running is made healthy (a zombie learns it was taken for dead), a fresh
     * one joins, and they work (reapers, promotion, take, reserve, start, complete) until nothing is left; then each
     * stops cleanly. Every job must have ended completed or failed, once, and no key may be left behind but the
     * finished lists, their records and idempotency keys.
     */
    void drainAndCheck() {
        note("-- drain: held-up takes land, every process healthy, a fresh one joins, work until nothing is left");
        for (HeldUpTake take : List.copyOf(heldUpTakes)) {
            landHeldUpTake(take);
        }
        for (SimulatedProcess process : alive()) {
            heartbeat(process);
        }
        SimulatedProcess drainer = startProcess();
        checkInvariants();
        for (int round = 1; ; round++) {
            abandonedIdsRunOut();
            if (nothingLeft()) {
                break;
            }
            if (round > DRAIN_ROUNDS) {
                throw failure("every job ends completed or failed",
                        "after " + DRAIN_ROUNDS + " drain rounds these are stuck: " + stuck());
            }
            if (!burials.isEmpty() || registrations.values().stream().anyMatch(registration -> registration.expired)) {
                reaperPass(drainer, false);
                timePasses();
                reaperPass(drainer, false);
            }
            // every process's reaper runs on its timer: one whose last claim failed claims its own claims again
            for (SimulatedProcess process : alive()) {
                if (process.claimMayHaveBeenLost) {
                    reaperPass(process, false);
                }
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
                    if (wouldTake(slot)) {
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

    /**
     * A process that took a new identity while its old one was still registered and alive sends no heartbeat under the
     * old id: that registration runs out after the heartbeat timeout (at once here, as a silent process's), for
     * reapers to bury.
     */
    private void abandonedIdsRunOut() {
        Set<String> current = alive().stream().map(SimulatedProcess::id).collect(Collectors.toSet());
        registrations.forEach((id, registration) -> {
            if (!registration.expired && !current.contains(id)) {
                expect(silencer.heartbeat(id), "heartbeat", processLabel(id) + " was not registered");
                sleep(3);
                registration.expired = true;
                registration.marked = false;
                registration.confirmable = false;
                note("the heartbeat of " + processLabel(id) + ", an identity given up while registered, runs out");
            }
        });
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
                && reserved.values().stream().allMatch(Bag::isEmpty) && burials.isEmpty()
                && registrations.values().stream().noneMatch(registration -> registration.expired)
                && slots().stream().allMatch(slot -> slot.idle() && slot.running.isEmpty() && !slot.recover);
    }

    private String stuck() {
        List<String> stuck = new ArrayList<>();
        jobs.values().stream().filter(job -> !job.isFinished()).forEach(job -> stuck.add(show(job)));
        if (!queued.isEmpty()) {
            stuck.add("queue " + describe(queued));
        }
        reserved.forEach((worker, list) -> {
            if (!list.isEmpty()) {
                stuck.add("reserved list of " + workerLabel(worker) + " " + describe(list)
                        + (registrations.containsKey(WorkerIdentity.processOf(worker)) ? "" : " (no live process owns it)"));
            }
        });
        return String.join("; ", stuck);
    }

    /** Only the finished lists, the records of accepted jobs and idempotency keys may remain. */
    private void checkNothingLeftInRedis() {
        Snapshot now = Snapshot.read(this);
        Map<String, Integer> finished = countIds(now.completed);
        countIds(now.failed).forEach((id, n) -> finished.merge(id, n, Integer::sum));
        for (ModelJob job : jobs.values()) {
            expect(finished.getOrDefault(job.id, 0) == 1, "every job ends completed or failed, once",
                    show(job) + " is there " + finished.getOrDefault(job.id, 0) + " times");
        }
        Set<String> allowed = new HashSet<>(List.of(keys.completed(), keys.failed()));
        jobs.keySet().forEach(id -> allowed.add(keys.job(id)));
        List<String> left = new ArrayList<>();
        for (String key : scan(queue + "*")) {
            if (!allowed.contains(key) && !key.startsWith(keys.idempotencyPrefix())) {
                left.add(key.substring(queue.length()) + " " + describeKey(key));
            }
        }
        expect(left.isEmpty(), "nothing is left behind after the drain", "left: " + left);
    }

    private String describeKey(String key) {
        String type = redis.type(key).code();
        return switch (type) {
            case "list" -> describe(Bag.of(range(key)));
            case "set" -> String.valueOf(redis.opsForSet().members(key).stream().map(this::label).toList());
            case "zset" -> String.valueOf(members(key).stream().map(this::processLabel).toList());
            case "string" -> "= " + redis.opsForValue().get(key);
            default -> "(" + type + ")";
        };
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
            expect(places + waiting > 0, "every accepted job is somewhere", show(job) + " is nowhere");
            expect(places <= 1, "a job is in one place", show(job) + " is in " + places + " of processing, delayed, completed, failed");
            switch (job.where) {
                case WAITING -> expect(waiting > 0 && places == 0, "a waiting job is in the queue or a reserved list",
                        show(job) + ": " + waiting + " values waiting, " + places + " elsewhere");
                case RESERVED -> expect(places == 0 && now.reserved.getOrDefault(job.worker, List.of()).contains(job.value),
                        "a reserved job is in its worker's reserved list", show(job) + " is not");
                case PROCESSING -> expect(now.processing.contains(job.value), "a started job is in processing", show(job) + " is not");
                case DELAYED -> expect(now.delayed.contains(job.value), "a retry waits in delayed", show(job) + " does not");
                case COMPLETED -> expect(now.completed.contains(job.value), "a completed job is in completed", show(job) + " is not");
                case FAILED -> expect(now.failed.contains(job.value), "a failed job is in failed", show(job) + " is not");
            }
            expect(job.finishes <= 1, "a job is finished at most once", show(job) + " finished " + job.finishes + " times");

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
                expect(expectedStatus.equals(status), "a job's status says where it is", show(job) + " has status " + status);
            }

            // the record agrees with where the job is, who holds it, and how often it was put back in line
            Record record = now.records.get(job.id);
            switch (job.where) {
                case RESERVED -> expect("reserved".equals(record.state()) && job.run.equals(record.run())
                                && job.worker.equals(record.worker()), "the record names the holder",
                        show(job) + " (run " + show(job.run) + "): record " + show(record));
                case PROCESSING -> expect("reserved".equals(record.state()) && job.worker.equals(record.worker())
                                && (job.run == null ? job.process.equals(holderOf(record.run()))
                                : job.run.equals(record.run())),
                        "the record names the holder", show(job) + " (run " + show(job.run) + "): record " + show(record));
                case DELAYED, COMPLETED, FAILED -> expect(job.where.name().toLowerCase().equals(record.state()),
                        "the record's state says where the job is", show(job) + ": record " + show(record));
                case WAITING -> expect(record.state() == null || record.state().equals("queued")
                                || record.state().equals("reserved") && !now.workers.contains(holderOf(record.run())),
                        "a waiting job's record shows no live holder", show(job) + ": record " + show(record) + ", and "
                                + processLabel(holderOf(record.run())) + " is registered");
            }
            expect(record.rev() == job.rev, "the record remembers how often the job was put back in line",
                    show(job) + ": record " + show(record));
        }

        // held hashes: each process holds exactly the jobs it started (or a reaper claimed), with their JSON in processing
        Map<String, Map<String, String>> held = new TreeMap<>();
        for (ModelJob job : jobsIn(Where.PROCESSING)) {
            held.computeIfAbsent(job.process, p -> new TreeMap<>()).put(job.id, job.value);
            expect(registrations.containsKey(job.process), "a started job is held by a registered process",
                    show(job) + " is held by " + processLabel(job.process) + ", which is not registered");
        }
        Map<String, Map<String, String>> heldInRedis = new TreeMap<>();
        now.held.forEach((process, entries) -> {
            if (!entries.isEmpty()) {
                heldInRedis.put(process, new TreeMap<>(entries));
            }
        });
        expect(heldInRedis.equals(held), "held hashes name the started jobs of each process, with their JSON",
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

        // buried processes: each until a reaper has emptied its lists once more
        Set<String> buried = burials.keySet().stream().map(id -> id + "|" + THREADS).collect(Collectors.toSet());
        expect(now.buried.equals(buried), "the buried set holds the processes buried and not yet looked at again",
                "Redis " + now.buried + ", model " + burials.keySet().stream().map(this::processLabel).toList());

        // take fences: moved by recoveries, gone with a worker taken for dead or deregistered
        expect(now.fences.equals(fences), "take fences are where the model says",
                "Redis " + labelledWorkers(now.fences) + ", model " + labelledWorkers(fences));
    }

    private void expectCounts(ModelJob job, String json, String rule) {
        Job read = Job.parse(json);
        expect(read.attempts() == job.attempts && read.number("stalls", 0) == job.stalls, rule,
                show(job) + " is stored with attempts " + read.attempts() + ", stalls " + read.number("stalls", 0));
    }

    /** A job's record: its state, the run and worker that hold it, its rev (0 when it has none). */
    record Record(String state, String run, String worker, long rev) {
    }

    /** Everything of this world's queue in Redis, read at once (nothing else writes to it between steps). */
    private record Snapshot(List<String> queue, Map<String, List<String>> reserved, List<String> processing,
                            Set<String> delayed, List<String> completed, List<String> failed,
                            Map<String, Map<String, String>> held, Set<String> workers, Set<String> suspects,
                            Set<String> buried, Map<String, Long> fences, Map<String, Record> records) {

        /** Two round trips: one SCAN for the keys named after workers and processes, then one pipeline for the rest. */
        @SuppressWarnings("unchecked")
        static Snapshot read(LifecycleWorld world) {
            RedisKeys keys = world.keys;
            List<String> reservedKeys = new ArrayList<>();
            List<String> heldKeys = new ArrayList<>();
            List<String> fenceKeys = new ArrayList<>();
            for (String key : world.scan(world.queue + ":*")) {
                if (key.startsWith(keys.reservedPrefix())) {
                    reservedKeys.add(key);
                } else if (key.startsWith(keys.heldPrefix())) {
                    heldKeys.add(key);
                } else if (key.startsWith(keys.fencePrefix())) {
                    fenceKeys.add(key);
                }
            }
            List<String> ids = List.copyOf(world.jobs.keySet());
            List<Object> replies = world.redis.executePipelined((RedisCallback<Object>) connection -> {
                StringRedisConnection redis = (StringRedisConnection) connection;
                for (String list : List.of(keys.queued(), keys.processing(), keys.completed(), keys.failed())) {
                    redis.lRange(list, 0, -1);
                }
                for (String zset : List.of(keys.delayed(), keys.workers(), keys.suspects(), keys.buried())) {
                    redis.zRange(zset, 0, -1);
                }
                reservedKeys.forEach(key -> redis.lRange(key, 0, -1));
                heldKeys.forEach(redis::hGetAll);
                fenceKeys.forEach(redis::get);
                ids.forEach(id -> redis.hMGet(keys.job(id), "state", "run", "worker", "rev"));
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
            Set<String> buried = new HashSet<>((Set<String>) replies.get(next++));
            Map<String, List<String>> reserved = new TreeMap<>();
            for (String key : reservedKeys) {
                reserved.put(key.substring(keys.reservedPrefix().length()), (List<String>) replies.get(next++));
            }
            Map<String, Map<String, String>> held = new TreeMap<>();
            for (String key : heldKeys) {
                held.put(key.substring(keys.heldPrefix().length()), (Map<String, String>) replies.get(next++));
            }
            Map<String, Long> fences = new TreeMap<>();
            for (String key : fenceKeys) {
                fences.put(key.substring(keys.fencePrefix().length()), Long.parseLong((String) replies.get(next++)));
            }
            Map<String, Record> records = new HashMap<>();
            for (String id : ids) {
                List<String> fields = (List<String>) replies.get(next++);
                records.put(id, new Record(fields.get(0), fields.get(1), fields.get(2),
                        fields.get(3) == null ? 0 : Long.parseLong(fields.get(3))));
            }
            return new Snapshot(queue, reserved, processing, delayed, completed, failed, held, workers, suspects, buried,
                    fences, records);
        }
    }

    // ---------------------------------------------------------------- helpers

    private Bag reservedList(String workerId) {
        return reserved.computeIfAbsent(workerId, w -> new Bag());
    }

    /** The process a run token names ('<process id>/<random>'), as the scripts read it; "" for none. */
    static String holderOf(String run) {
        return run == null || run.indexOf('/') < 0 ? "" : run.substring(0, run.lastIndexOf('/'));
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

    private static byte[] bytes(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    private static String sentTwice(boolean retried) {
        return retried ? " (sent twice)" : "";
    }

    private String label(String id) {
        ModelJob job = jobs.get(id);
        return job == null ? id : job.label;
    }

    private String processLabel(String processId) {
        return processLabels.getOrDefault(processId, processId.isEmpty() ? "nobody" : processId);
    }

    String workerLabel(String workerId) {
        if (workerId.startsWith("reaper@")) {
            return "the reaper of " + processLabel(workerId.substring("reaper@".length()));
        }
        int dash = workerId.lastIndexOf('-');
        return processLabel(workerId.substring(0, dash)) + "/" + workerId.substring(dash + 1);
    }

    /** A job as the model sees it, with the labels of its holder. */
    String show(ModelJob job) {
        return job.label + "[" + job.where + (job.worker == null ? "" : " by " + workerLabel(job.worker)) + ", rev "
                + job.rev + ", attempts " + job.attempts + ", stalls " + job.stalls + "]";
    }

    /** A run token with its process's label. */
    private String show(String run) {
        return run == null ? "unknown" : processLabel(holderOf(run)) + run.substring(run.lastIndexOf('/'));
    }

    private String show(Record record) {
        return "{" + record.state() + ", run " + show(record.run()) + ", worker "
                + (record.worker() == null ? "none" : workerLabel(record.worker())) + ", rev " + record.rev() + "}";
    }

    private Map<String, Set<String>> labelled(Map<String, Map<String, String>> held) {
        Map<String, Set<String>> out = new TreeMap<>();
        held.forEach((process, entries) -> out.put(processLabel(process), entries.entrySet().stream()
                .map(entry -> label(entry.getKey()) + "=" + describe(entry.getValue()))
                .collect(Collectors.toCollection(TreeSet::new))));
        return out;
    }

    private Map<String, Long> labelledWorkers(Map<String, Long> byWorker) {
        Map<String, Long> out = new TreeMap<>();
        byWorker.forEach((worker, value) -> out.put(workerLabel(worker), value));
        return out;
    }

    /**
     * A value as the job it is, and how it differs from the job's first JSON (a requeue or retry rewrites it); a value
     * that is not a job as it is (a failure must be told, whatever Redis holds).
     */
    private String describe(String value) {
        Job job;
        try {
            job = Job.parse(value);
        } catch (IllegalArgumentException notAJob) {
            return "not a job: " + (value.length() > 80 ? value.substring(0, 80) + "..." : value);
        }
        ModelJob model = jobs.get(job.id());
        String label = model == null ? job.id() : model.label;
        if (model != null && value.equals(model.original)) {
            return label;
        }
        return label + "{" + job.status() + ", rev " + JobStates.rev(job) + ", attempts " + job.attempts() + ", stalls "
                + job.number("stalls", 0) + "}";
    }

    private String describe(Bag bag) {
        return bag.values().stream().map(this::describe).toList().toString();
    }

    private String labels(List<ReservedJob> values) {
        return values.stream().map(value -> describe(text(value.taken()))).toList().toString();
    }

    /** The step now under way: a failure names it, since its own note comes only once it is done. */
    private void begin(String step) {
        current = step;
    }

    void note(String step) {
        log.add(step);
        current = null;
    }

    /** The steps so far, numbered, as a failure shows them. */
    String steps() {
        StringBuilder steps = new StringBuilder();
        for (int i = 0; i < log.size(); i++) {
            steps.append("\n    ").append(i + 1).append(". ").append(log.get(i));
        }
        if (current != null) {
            steps.append("\n    ").append(log.size() + 1).append(". ").append(current).append("  <- under way");
        }
        return steps.toString();
    }

    private void expect(boolean holds, String rule, String detail) {
        if (!holds) {
            throw failure(rule, detail);
        }
    }

    private AssertionError failure(String rule, String detail) {
        return new AssertionError("Broken: " + rule + "\n  " + detail
                + "\n  steps of this sequence (P = process, P' = its next identity, P/n = its worker thread n, J = job):"
                + steps());
    }

    private static void sleep(long ms) {
        try {
            TimeUnit.MILLISECONDS.sleep(ms);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }

    @Override
    public String toString() {
        return queue + ", steps:" + steps();
    }

    /** Stops this world's stores and deletes its keys (only its own: the queue name is its alone). */
    @Override
    public void close() {
        processes.forEach(SimulatedProcess::close);
        producer.stop();
        intake.stop();
        List<String> own = new ArrayList<>(scan(queue + ":*"));
        own.add(queue);
        redis.delete(own);
    }
}
