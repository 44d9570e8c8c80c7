package io.jobqueue.reliability.lifecycle;

import java.security.SecureRandom;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Random;
import java.util.TreeMap;
import java.util.concurrent.TimeUnit;
import java.util.function.BiConsumer;
import java.util.function.Consumer;
import java.util.function.Function;
import java.util.function.Predicate;

import io.jobqueue.reliability.lifecycle.LifecycleWorld.Outcome;
import io.jobqueue.reliability.lifecycle.ModelJob.Where;
import io.jobqueue.reliability.lifecycle.SimulatedProcess.Slot;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

/**
 * The life of jobs as a state machine, against real Redis: random sequences of what producers, worker processes,
 * heartbeats, reapers, clocks and lost replies do, each checked against a model of where every job must be.
 * <p>
 * The world ({@link LifecycleWorld}) has its own queue name; worker processes ({@link SimulatedProcess}: two worker
 * threads, one JobStore, a real Reaper) start, fall silent, crash, come back as zombies, and stop cleanly; producers
 * enqueue (sometimes twice after a lost reply, with or without an idempotency key) and LPUSH seed-format JSON (sometimes
 * the same JSON again: a copy that must be dropped or run once, never twice at once). Threads take (sometimes with the
 * reply lost, or the take held up in the network until after the thread recovered, or blocked in BLMOVE on an empty
 * queue until a value comes, whatever happened to their process meanwhile), reserve (sometimes as a separate step, so
 * that a process can be taken for dead in between), start and finish jobs (complete, fail, retry now or later), hand
 * back waiting or running jobs; a thread of a process taken for dead learns it from its take or recovery
 * (WorkerTakenForDead) and its process goes on under a new identity. Reapers (a silent process's own too) take
 * silent processes for dead, bury them and empty their lists once more later; their claims may lose their reply;
 * other lost replies are modelled by sending the same call again. Time passes by real short sleeps against tiny
 * timeouts (see LifecycleWorld).
 * <p>
 * After every step the whole of Redis is compared with the model: every job in exactly one place (copies only in the
 * queue or reserved lists), nothing twice in processing, nothing finished twice, records (state, holder, rev), held
 * hashes, fences, registrations and burials as the model says, attempts and stalls as counted. Each step also checks its own
 * result (a stale run's move is refused, a reserve claims exactly the only instance, a dead process's reserved jobs come
 * back without a stall, its started ones with one). At the end every process is made healthy and everything is
 * drained: every job must end completed or failed once, and nothing may be left behind.
 * <p>
 * How it runs: a seeded {@link Random} picks each step among the actions possible in the world (weighted; the thread,
 * job or process it acts on picked among the candidates the world offers), for {@code lifecycle.sequences} sequences
 * of {@code lifecycle.steps}/2 to {@code lifecycle.steps} steps (then the drain). Each sequence has its own seed,
 * derived from a base seed; a failure names both and prints the command that replays the sequence alone, and the steps
 * as observed (jobs J1.., processes P1.., P1' after a new identity, P1/2 for its second worker thread), the step it
 * failed in last. No shrinking: the steps are short and readable. A replay makes the same choices; only where real
 * time decides (a retry promoted, or a silent process taken for dead, before it certainly had to be) may a replay on a
 * busy machine go another way. The run ends with the share of sequences that got to each kind of event: a kind that no
 * sequence reached proves nothing.
 * <p>
 * The examples below the random sequences are flaws this test found, fixed since: each shows what holds now.
 * <pre>
 *   default (20 to 40 s on 2 busy cores):  mvn -B -o -Dcds.skip=true -Dtest=JobLifecycleStateMachineTest test
 *   a longer hunt:                         ... -Dlifecycle.sequences=2000 (about 5 a second; or -Dlifecycle.seconds=600)
 *   one sequence again:                    ... -Dtest='JobLifecycleStateMachineTest#randomSequences' -Dlifecycle.seed=&lt;seed&gt;
 *   one batch again:                       ... -Dlifecycle.baseSeed=&lt;base seed&gt; -Dlifecycle.sequences=&lt;n&gt;
 * </pre>
 */
class JobLifecycleStateMachineTest {

    /** Sequences in a run by default: 20 to 40 s on a loaded 2-core machine. */
    private static final int SEQUENCES = Integer.getInteger("lifecycle.sequences", 100);
    /** Steps of a sequence at most (each sequence draws its length between half this and this), before the drain. */
    private static final int MAX_STEPS = Integer.getInteger("lifecycle.steps", 50);
    /** When set, the run stops starting sequences after this many seconds (for hunts bounded by time). */
    private static final Long SECONDS = Long.getLong("lifecycle.seconds");
    /** When set, only the sequence of this seed runs. */
    private static final Long ONE_SEED = Long.getLong("lifecycle.seed");
    /** When set, the sequences' seeds derive from this one (else from a random one, printed). */
    private static final Long BASE_SEED = Long.getLong("lifecycle.baseSeed");

    static {
        // a reaper logs every stall it returns: thousands in a run
        System.setProperty("org.slf4j.simpleLogger.log.io.jobqueue.duties.Reaper", "error");
    }

    private final List<LifecycleWorld> worlds = new ArrayList<>();

    @AfterEach
    void closeWorlds() {
        worlds.forEach(LifecycleWorld::close);
        worlds.clear();
    }

    // ---------------------------------------------------------------- random sequences

    @Test
    void randomSequences() {
        if (ONE_SEED != null) {
            runSequence(ONE_SEED, "the sequence", "");
            System.out.println("The sequence of seed " + ONE_SEED + " held.");
            return;
        }
        long base = BASE_SEED != null ? BASE_SEED : new SecureRandom().nextLong();
        long deadline = SECONDS == null ? Long.MAX_VALUE : System.nanoTime() + TimeUnit.SECONDS.toNanos(SECONDS);
        Map<String, Integer> exercised = new TreeMap<>();
        long started = System.nanoTime();
        int ran = 0;
        for (int i = 0; i < SEQUENCES && System.nanoTime() < deadline; i++) {
            long seed = seedOf(base, i);
            LifecycleWorld world = runSequence(seed, "sequence " + (i + 1) + " of " + SEQUENCES + " (base seed " + base + ")",
                    "\n  This whole batch again: -Dlifecycle.baseSeed=" + base + " -Dlifecycle.sequences=" + (i + 1));
            world.happened.forEach(what -> exercised.merge(what, 1, Integer::sum));
            ran++;
        }
        // what the run got to: a kind of step that no sequence reached proves nothing
        StringBuilder summary = new StringBuilder(String.format("%d sequences held in %.1f s (base seed %d); share that got to:",
                ran, (System.nanoTime() - started) / 1e9, base));
        int share = ran;
        exercised.forEach((what, n) -> summary.append(String.format("%n  %3d%%  %s", 100 * n / share, what)));
        System.out.println(summary);
    }

    /** A sequence's seed: the base seed's i-th SplitMix64 output, so neighbouring sequences share nothing. */
    static long seedOf(long base, int i) {
        long z = base + (i + 1) * 0x9E3779B97F4A7C15L;
        z = (z ^ (z >>> 30)) * 0xBF58476D1CE4E5B9L;
        z = (z ^ (z >>> 27)) * 0x94D049BB133111EBL;
        return z ^ (z >>> 31);
    }

    /** One sequence: its steps, each followed by the invariants, then the drain. A failure tells how to replay it. */
    private LifecycleWorld runSequence(long seed, String which, String batch) {
        Random random = new Random(seed);
        // one sequence in three fails a job at its first stall, so that failing for stalls is not rare
        LifecycleWorld world = new LifecycleWorld(2, random.nextInt(3) == 0 ? 0 : 1);
        worlds.add(world);
        try {
            int steps = MAX_STEPS / 2 + random.nextInt(MAX_STEPS - MAX_STEPS / 2 + 1);
            for (int step = 0; step < steps; step++) {
                pick(world, random).accept(random);
                world.checkInvariants();
            }
            world.drainAndCheck();
            return world;
        } catch (AssertionError | RuntimeException e) {
            String replay = "\n  Replay it alone: mvn -B -o -Dcds.skip=true -Dtest='JobLifecycleStateMachineTest#randomSequences'"
                    + " -Dlifecycle.seed=" + seed + " test" + batch + "\n";
            if (e instanceof AssertionError) {
                // the world's own failure: its message has the rule, the detail and the steps
                AssertionError failure = new AssertionError(which + ", seed " + seed + ", broke." + replay + e.getMessage());
                failure.setStackTrace(e.getStackTrace());
                throw failure;
            }
            throw new AssertionError(which + ", seed " + seed + ", broke." + replay + e
                    + "\n  steps of this sequence:" + world.steps(), e);
        } finally {
            worlds.remove(world);
            world.close();
        }
    }

    /** One of the steps possible now: an action picked by weight, then one of the things it may act on. */
    private static Consumer<Random> pick(LifecycleWorld world, Random random) {
        List<List<Consumer<Random>>> possible = new ArrayList<>();
        List<Integer> weights = new ArrayList<>();
        int total = 0;
        for (Action action : ACTIONS) {
            List<Consumer<Random>> moves = action.moves().apply(world);
            if (!moves.isEmpty()) {
                possible.add(moves);
                weights.add(action.weight());
                total += action.weight();
            }
        }
        int at = random.nextInt(total);
        for (int i = 0; ; i++) {
            at -= weights.get(i);
            if (at < 0) {
                List<Consumer<Random>> moves = possible.get(i);
                return moves.get(random.nextInt(moves.size()));
            }
        }
    }

    /** One kind of step: how often it is picked among those possible now, and the steps it offers in a world. */
    private record Action(int weight, Function<LifecycleWorld, List<Consumer<Random>>> moves) {
    }

    /** What a step does to the thing it acts on; the random draws its details (how many to take, a lost reply...). */
    @FunctionalInterface
    private interface Step<T> {
        void run(LifecycleWorld world, T target, Random random);
    }

    /** An action on one of the candidates the world offers now (a thread, a job, a process); none: not possible. */
    private static <T> Action on(int weight, Function<LifecycleWorld, List<T>> candidates, Step<T> step) {
        return new Action(weight, world -> candidates.apply(world).stream()
                .<Consumer<Random>>map(target -> random -> step.run(world, target, random)).toList());
    }

    /** An action on the world as a whole, possible when {@code possible} says so. */
    private static Action when(int weight, Predicate<LifecycleWorld> possible, BiConsumer<LifecycleWorld, Random> step) {
        return new Action(weight, world -> possible.test(world) ? List.of(random -> step.accept(world, random)) : List.of());
    }

    /** true in {@code percent} of the cases. */
    private static boolean sometimes(Random random, int percent) {
        return random.nextInt(100) < percent;
    }

    private static final List<Action> ACTIONS = List.of(
            // producers: 7 in 10 enqueues plain, 2 sent again after a lost reply, 1 sent again with an idempotency key
            when(3, LifecycleWorld::mayAddJob, (world, random) -> {
                int kind = random.nextInt(10);
                world.enqueue(kind >= 7, kind == 9);
            }),
            when(2, LifecycleWorld::mayAddJob, (world, random) -> world.pushSeedJob()),
            on(1, world -> List.copyOf(world.jobs.values()), (world, job, random) -> world.pushAgain(job)),
            // worker threads: a take and its reservation back to back (as the consumer makes them), or apart, so that
            // a process can fall silent, be taken for dead and come back between the two
            on(5, LifecycleWorld::slotsThatMayTake, (world, slot, random) ->
                    world.takeAndReserve(slot, 1 + random.nextInt(3), sometimes(random, 10), sometimes(random, 15))),
            on(3, LifecycleWorld::slotsThatMayTake, (world, slot, random) ->
                    world.take(slot, 1 + random.nextInt(3), sometimes(random, 10))),
            on(4, LifecycleWorld::slotsWithUnreserved, (world, slot, random) -> world.reserve(slot, sometimes(random, 15))),
            on(1, LifecycleWorld::slotsThatMaySendATake, (world, slot, random) -> world.sendHeldUpTake(slot, 1 + random.nextInt(3))),
            on(1, LifecycleWorld::slotsThatMayBlock, (world, slot, random) -> world.blockInTake(slot)),
            on(1, world -> List.copyOf(world.heldUpTakes), (world, take, random) -> world.landHeldUpTake(take)),
            on(5, LifecycleWorld::slotsWithWaiting, (world, slot, random) -> world.start(slot, sometimes(random, 15))),
            on(5, LifecycleWorld::runningJobs, (world, running, random) -> world.finish(running.slot(), running.job(),
                    Outcome.values()[random.nextInt(Outcome.values().length)], sometimes(random, 15))),
            on(1, LifecycleWorld::slotsWithWaiting, (world, slot, random) -> world.releaseWaiting(slot, sometimes(random, 30))),
            on(1, LifecycleWorld::runningJobs, (world, running, random) -> world.handBack(running.slot(), running.job())),
            // others' work on jobs
            when(1, world -> !world.jobsIn(Where.DELAYED).isEmpty(), (world, random) -> world.promote()),
            on(1, world -> world.jobsIn(Where.FAILED), (world, job, random) -> world.retryByHand(job, sometimes(random, 30))),
            // processes, heartbeats, reapers, time
            when(1, LifecycleWorld::mayStartProcess, (world, random) -> world.startProcess()),
            on(3, LifecycleWorld::processesThatMayFallSilent, (world, process, random) -> world.fallSilent(process)),
            on(2, LifecycleWorld::alive, (world, process, random) -> world.crash(process)),
            on(1, LifecycleWorld::alive, (world, process, random) -> world.stopCleanly(process)),
            on(2, LifecycleWorld::alive, (world, process, random) -> world.heartbeat(process)),
            when(2, world -> true, (world, random) -> world.timePasses()),
            on(3, LifecycleWorld::reapersThatMayPass, (world, process, random) -> world.reaperPass(process, false)),
            on(3, LifecycleWorld::processesThatMayLoseAClaim, (world, process, random) -> world.reaperPass(process, true)));

    // ---------------------------------------------------------------- flaws this test found, fixed since

    /**
     * Was a flaw (lost job): a process taken for dead that took again before its heartbeat noticed registered again
     * under its OLD id; the records of the jobs it had reserved, which the reaper gave back to the queue untouched,
     * named that id as holder, so they looked held by a live process and were dropped as copies. Now a reserve that
     * finds the process unregistered gives it a new identity (Heartbeat.registrationLost).
     */
    @Test
    void aProcessTakenForDeadDoesNotComeBackUnderItsOldId() {
        LifecycleWorld world = world();
        world.enqueue(false, false);
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        step(world, () -> world.takeAndReserve(p1.slots.get(0), 2, false, false));   // P1/1 reserves J1, J2
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p2, false));                              // P1 suspected
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // P1 dead: J1, J2 back to the queue
        step(world, () -> world.takeAndReserve(p1.slots.get(1), 1, false, false));   // zombie P1/2: taken for dead, P1'
        step(world, () -> world.takeAndReserve(p2.slots.get(0), 2, false, false));   // P2 reserves both, as its own
        world.drainAndCheck();
    }

    /**
     * Was a flaw (lost job): values a thread took under its old identity were reserved under its new one, though the
     * reaper had given them back to the queue; whoever took them next dropped them as copies. Now a reservation is made
     * as the process the values were taken as, which is not registered: the values are given back, not claimed.
     */
    @Test
    void valuesTakenUnderAnOldIdentityAreNotReservedUnderTheNewOne() {
        LifecycleWorld world = world();
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        step(world, () -> world.take(p1.slots.get(0), 1, false));                    // P1/1 takes J1, not reserved yet
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p2, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // P1 dead: J1 back to the queue
        step(world, () -> world.heartbeat(p1));                                      // P1 learns it, becomes P1'
        step(world, () -> world.reserve(p1.slots.get(0), false));                    // as P1: not registered, nothing claimed
        step(world, () -> world.takeAndReserve(p2.slots.get(0), 1, false, false));   // P2 reserves J1 as its own
        world.drainAndCheck();
    }

    /**
     * Was a flaw (stuck job): a reaper's claim whose reply was lost left the dead process's started jobs held by the
     * reaper's process under a token nobody knew, in processing for as long as that process lived. Now the Reaper's
     * next pass claims its own earlier claims again (claimDeadWorkers with reclaimOwn).
     */
    @Test
    void aClaimWhoseReplyIsLostIsFinishedByALaterPass() {
        LifecycleWorld world = world();
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        step(world, () -> world.takeAndReserve(p1.slots.get(0), 1, false, false));
        step(world, () -> world.start(p1.slots.get(0), false));                      // J1 runs on P1
        step(world, () -> world.crash(p1));
        step(world, () -> world.reaperPass(p2, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, true));                               // P2 claims J1; the reply is lost
        step(world, () -> world.reaperPass(p2, false));                              // claims it again: J1 stalled, queued
        world.drainAndCheck();
    }

    /**
     * Was a flaw (counts reset): an older copy of a job (pushed twice), taken before the job's current JSON (a promoted
     * retry goes to the back of the line, behind it), ran in the job's place with the counts it was pushed with. Now a
     * job put back in line has a rev its record remembers, and the older copy is dropped.
     */
    @Test
    void anOlderCopyDoesNotRunInPlaceOfTheJob() {
        LifecycleWorld world = world();
        world.pushSeedJob();
        ModelJob j1 = world.jobs.values().iterator().next();
        world.pushAgain(j1);                                                         // J1 twice in the queue
        Slot thread = world.process("P1").slots.get(0);
        step(world, () -> world.takeAndReserve(thread, 1, false, false));
        step(world, () -> world.start(thread, false));
        step(world, () -> world.finish(thread, thread.running.get(0), Outcome.RETRY_NOW, false)); // attempts 1, rev 1
        step(world, world::promote);                                                 // behind the older copy
        step(world, () -> world.takeAndReserve(thread, 1, false, false));            // the older copy: dropped
        step(world, () -> world.takeAndReserve(thread, 1, false, false));            // the job itself
        step(world, () -> world.start(thread, false));                               // runs with attempts 1
        world.drainAndCheck();
    }

    /** Was a flaw (count): a job failed for its stalls was stored with the stall count it ran with, not its last one. */
    @Test
    void aJobFailedForItsStallsCarriesThemAll() {
        LifecycleWorld world = world();
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        step(world, () -> world.takeAndReserve(p1.slots.get(0), 1, false, false));
        step(world, () -> world.start(p1.slots.get(0), false));
        step(world, () -> world.crash(p1));
        step(world, () -> world.reaperPass(p2, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // stalled once, queued again
        SimulatedProcess p3 = world.startProcess();
        step(world, () -> world.takeAndReserve(p2.slots.get(0), 1, false, false));
        step(world, () -> world.start(p2.slots.get(0), false));
        step(world, () -> world.crash(p2));
        step(world, () -> world.reaperPass(p3, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p3, false));                              // failed with stalls 2
        world.drainAndCheck();
    }

    /**
     * Was a flaw (job runs twice at once): a copy of a job (the same JSON pushed again by another client, or an enqueue
     * sent again after a lost reply) taken by the very worker thread that runs the job was reserved as its own, and
     * would have started while the job ran. Now a hold of this worker's counts as stale only when the worker read its
     * list again after a failed take, and even then not once its process has started the job (its held hash has it).
     */
    @Test
    void aCopyOfAJobTakenByTheWorkerThatRunsItIsDropped() {
        LifecycleWorld world = world();
        world.pushSeedJob();
        ModelJob j1 = world.jobs.values().iterator().next();
        Slot thread = world.process("P1").slots.get(0);
        step(world, () -> world.takeAndReserve(thread, 1, false, false));
        step(world, () -> world.start(thread, false));                               // J1 runs on P1/1
        step(world, () -> world.pushAgain(j1));                                      // another client pushes it again
        step(world, () -> world.takeAndReserve(thread, 1, false, false));            // the copy: dropped
        step(world, () -> world.pushAgain(j1));
        step(world, () -> world.takeAndReserve(thread, 1, true, false));             // read again after a lost reply: dropped
        world.drainAndCheck();
    }

    /**
     * Was a flaw (record names a run nobody holds): when one take brought two values of one job (an enqueue sent again
     * after a lost reply puts both side by side), the reservation held the job for the first, then for the second; the
     * worker dropped the second and ran the first, but the record named the dropped copy's run, so a final move sent
     * again was reported refused although it was made. Now a second value of a job in one reservation is a copy, also
     * when the worker read them again after a failed take (where a hold of its own that never started is stale).
     */
    @Test
    void aReservationOfTwoValuesOfOneJobRecordsTheRunThatStartsIt() {
        LifecycleWorld world = world();
        world.enqueue(true, false);                                                  // J1 twice: a lost reply, sent again
        Slot thread = world.process("P1").slots.get(0);
        step(world, () -> world.takeAndReserve(thread, 2, true, true));              // read again: the first holds J1, the second is a copy
        step(world, () -> world.start(thread, false));
        step(world, () -> world.finish(thread, thread.running.get(0), Outcome.COMPLETE, true)); // the move sent again
        world.drainAndCheck();
    }

    /**
     * Was a flaw (jobs lost or held by nobody): a reaper could take its own (silent) process for dead. Its claim kept
     * the process registered (the claimed jobs stayed in its held hash) while its reserved lists went back to the queue
     * and its fences were deleted: a job reserved there was then dropped as a copy (its record named a registered
     * holder), a take held up under a fence that started again landed in a list nobody read, and a stale run could
     * move a job started again in the same process. Now a reaper passes its own process by, however silent: another
     * process's reaper takes it for dead, and its threads learn it at their next take and go on under a new identity.
     */
    @Test
    void aReaperNeverTakesItsOwnProcessForDead() {
        LifecycleWorld world = world();
        world.enqueue(false, false);
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        Slot thread = p1.slots.get(0);
        step(world, () -> world.takeAndReserve(thread, 1, false, false));
        step(world, () -> world.start(thread, false));                               // J1 runs on P1/1
        step(world, () -> world.takeAndReserve(p1.slots.get(1), 1, false, false));   // J2 reserved by P1/2
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p1, false));                              // P1's reaper passes P1 by
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p1, false));                              // and again
        step(world, () -> world.reaperPass(p2, false));                              // P2's reaper suspects P1
        step(world, () -> world.reaperPass(p1, false));                              // P1's still passes it by
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // P1 taken for dead: J1 stalled, J2 back
        step(world, () -> world.finish(thread, thread.running.get(0), Outcome.COMPLETE, false)); // refused
        step(world, () -> world.takeAndReserve(p2.slots.get(0), 2, false, false));   // P2 gets both
        step(world, () -> world.take(thread, 1, false));                             // fence gone: P1 goes on as P1'
        world.drainAndCheck();
    }

    /**
     * Was a flaw (lost job): values a zombie took landed in the reserved list of a worker taken for dead, which no
     * reaper emptied again; if the zombie died before its reserve gave them back, they stayed there for good. Now a
     * take whose fence is gone takes nothing, and a blocking take that was already on its way when the process was
     * buried (it moves a value fence or none) lands in a list that a reaper empties once more after the relook time.
     */
    @Test
    void valuesAZombieTookAreNotLostWhenItDies() {
        LifecycleWorld world = world();
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        step(world, () -> world.take(p1.slots.get(0), 1, false));                    // P1/1 recovers: fence 1
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p2, false));                              // P1 suspected
        step(world, world::timePasses);
        step(world, () -> world.blockInTake(p1.slots.get(0)));                       // zombie P1/1 waits in BLMOVE
        step(world, () -> world.reaperPass(p2, false));                              // P1 dead, buried
        step(world, () -> world.enqueue(false, false));
        step(world, () -> world.landHeldUpTake(world.heldUpTakes.get(0)));           // J1 into P1/1's list
        step(world, () -> world.crash(p1));                                          // before its reserve gives J1 back
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // relook: J1 back to the queue
        world.drainAndCheck();
    }

    /**
     * Was a flaw (fence of a dead worker set again, never deleted): a zombie thread that recovered INCRed the fence a
     * reaper had deleted when it took the process for dead, so that its takes ran under a fence that held. Now a
     * recovery of a process that is not registered moves nothing and throws WorkerTakenForDead; so does a take whose
     * fence is gone; the process goes on under a new identity.
     */
    @Test
    void aZombiesRecoveryDoesNotSetTheFenceOfADeadWorker() {
        LifecycleWorld world = world();
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1");
        SimulatedProcess p2 = world.process("P2");
        step(world, () -> world.take(p1.slots.get(0), 1, false));                    // P1/1 takes J1 under fence 1
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p2, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // P1 dead: J1 back, fences gone
        step(world, () -> world.take(p1.slots.get(1), 1, false));                    // zombie P1/2 recovers: refused, P1'
        step(world, () -> world.reserve(p1.slots.get(0), false));                    // P1/1 reserves J1 as P1: gives it back
        step(world, () -> world.take(p1.slots.get(0), 1, false));                    // as P1'/1 now: recovers, takes J1
        world.drainAndCheck();
    }

    /** A world for an example: two processes, a job fails at its second stall. */
    private LifecycleWorld world() {
        LifecycleWorld world = new LifecycleWorld(2, 1);
        worlds.add(world);
        return world;
    }

    /** One step of an example, with the invariants checked after it as in the random sequences. */
    private static void step(LifecycleWorld world, Runnable step) {
        step.run();
        world.checkInvariants();
    }
}
