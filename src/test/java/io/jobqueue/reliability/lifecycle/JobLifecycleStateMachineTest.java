package io.jobqueue.reliability.lifecycle;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Optional;
import java.util.function.BiConsumer;
import java.util.function.Function;

import io.jobqueue.reliability.lifecycle.LifecycleWorld.Outcome;
import io.jobqueue.reliability.lifecycle.ModelJob.Where;
import io.jobqueue.reliability.lifecycle.SimulatedProcess.Slot;
import net.jqwik.api.Arbitraries;
import net.jqwik.api.Arbitrary;
import net.jqwik.api.Combinators;
import net.jqwik.api.Disabled;
import net.jqwik.api.Example;
import net.jqwik.api.ForAll;
import net.jqwik.api.Property;
import net.jqwik.api.Provide;
import net.jqwik.api.statistics.Statistics;
import net.jqwik.api.Tuple;
import net.jqwik.api.lifecycle.AfterTry;
import net.jqwik.api.state.Action;
import net.jqwik.api.state.ActionChain;
import net.jqwik.api.state.ActionChainArbitrary;
import net.jqwik.api.state.Transformer;

/**
 * The life of jobs as a state machine, against real Redis: random sequences of what producers, worker processes,
 * heartbeats, reapers, clocks and lost replies do, each checked against a model of where every job must be.
 * <p>
 * The world ({@link LifecycleWorld}) has its own queue name; worker processes ({@link SimulatedProcess}: two worker
 * threads, one JobStore, a real Reaper) start, fall silent, crash, come back as zombies, and stop cleanly; producers
 * enqueue (sometimes twice after a lost reply, with or without an idempotency key) and LPUSH seed-format JSON (sometimes
 * the same JSON again: a copy that must be dropped or run once, never twice at once). Threads take, reserve, start and
 * finish jobs (complete, fail, retry now or later), hand back waiting or running jobs; lost replies are modelled by
 * sending the same call again. Time passes by real short sleeps against tiny timeouts (see LifecycleWorld).
 * <p>
 * After every step the whole of Redis is compared with the model: every job in exactly one place (copies only in the
 * queue or reserved lists), nothing twice in processing, nothing finished twice, records, held sets and registrations
 * as the model says, attempts and stalls as counted. Each step also checks its own result (a stale run's move is
 * refused, a reserve claims exactly the only instance, a dead process's reserved jobs come back without a stall, its
 * started ones with one). At the end every process is made healthy and everything is drained: every job must end
 * completed or failed once, and nothing may be left in any list, set or registration.
 * <p>
 * The property that runs by default, {@link #everyJobEndsCompletedOrFailedExactlyOnce}, leaves out the interleavings
 * where it found flaws; each flaw has a disabled property that finds it and a disabled example with its shortest
 * sequence (at the end of this class), to enable once it is fixed.
 * <p>
 * 40 sequences of up to 50 steps (then the drain) by default (jqwik.tries.default in
 * src/test/resources/junit-platform.properties): 10 to 25 s on 2 cores. To hunt longer (3 to 5 sequences a second):
 * {@code mvn -B -Dcds.skip=true -Dtest='JobLifecycleStateMachineTest#everyJobEndsCompletedOrFailedExactlyOnce'
 * -Djqwik.tries.default=2000 test}; a disabled property runs when named the same way after its @Disabled is removed.
 * A failure prints the sequence jqwik shrank it to (shrinking replays sequences against Redis and stops after
 * jqwik.shrinking.bounded.seconds, 120) and the steps as observed (jobs J1.., processes P1.., P1' after a new identity,
 * P1/2 for its second worker thread).
 */
class JobLifecycleStateMachineTest {

    private static final int MAX_STEPS = 50;

    static {
        // a reaper logs every stall it returns: thousands in a run
        System.setProperty("org.slf4j.simpleLogger.log.io.jobqueue.duties.Reaper", "error");
    }

    private final List<LifecycleWorld> worlds = new ArrayList<>();

    /**
     * Which parts of the machine a sequence lets loose. The property that runs by default leaves out the few
     * interleavings where it found flaws (each has a property of its own below, disabled until its flaw is fixed).
     *
     * @param splitTakeAndReserve a thread's take and its reservation are separate steps (else one, as the consumer
     *                            makes them back to back), so that a process can fall silent, be taken for dead and come
     *                            back between the two
     * @param zombiesTake         a process taken for dead that has not noticed yet may take and reserve
     * @param lostClaims          a reaper's claim of dead processes may lose its reply
     * @param strictCounts        counts the known flaws get wrong fail the sequence (an older copy of a job that runs
     *                            in its place with other attempts or stalls; a job failed for its stalls stored without
     *                            its last one); else the model notes them and takes the stored counts
     */
    private record Scope(boolean splitTakeAndReserve, boolean zombiesTake, boolean lostClaims, boolean strictCounts) {
    }

    /** What the statistics report counts: the share of sequences that got to each of these. */
    private static final List<String> EXERCISED = List.of("a copy was dropped", "a stale run was refused",
            "a process was taken for dead", "a process taken for dead took a new identity", "a started job stalled",
            "a job failed for its stalls", "a retry was promoted", "a failed job was retried by hand",
            "an older copy ran in place of its job (known flaw)");

    @Property
    void everyJobEndsCompletedOrFailedExactlyOnce(@ForAll("withoutKnownFlaws") ActionChain<LifecycleWorld> chain) {
        LifecycleWorld world = chain.withInvariant("Redis holds what the model says", LifecycleWorld::checkInvariants).run();
        world.drainAndCheck();
        for (String what : EXERCISED) {
            Statistics.label(what).collect(world.happened.contains(what));
        }
    }

    @Provide
    Arbitrary<ActionChain<LifecycleWorld>> withoutKnownFlaws() {
        return lifecycleChain(new Scope(false, false, false, false));
    }

    /**
     * As the default property, with the counts the known flaws get wrong checked strictly. Finds, within a few dozen
     * sequences: an older copy of a job runs in its place from attempts 0 (see anOlderCopyDoesNotRunInPlaceOfTheJob),
     * and a job failed for its stalls is stored without its last one (aJobFailedForItsStallsCarriesThemAll).
     */
    @Property
    @Disabled("FLAWS: an older copy of a job runs in its place with attempts and stalls from zero; a job failed for its "
            + "stalls is stored without its last one")
    void aJobCarriesItsOwnCounts(@ForAll("olderCopiesCount") ActionChain<LifecycleWorld> chain) {
        LifecycleWorld world = chain.withInvariant("Redis holds what the model says", LifecycleWorld::checkInvariants).run();
        world.drainAndCheck();
    }

    @Provide
    Arbitrary<ActionChain<LifecycleWorld>> olderCopiesCount() {
        return lifecycleChain(new Scope(false, false, false, true));
    }

    /**
     * As the default property, but a thread's take and reserve are separate steps and a process taken for dead may
     * take and reserve before its heartbeat tells it. Finds lost jobs (see
     * aProcessTakenForDeadDoesNotComeBackUnderItsOldId and valuesTakenUnderAnOldIdentityAreNotReservedUnderTheNewOne):
     * reserveJobs claims a value without checking that it is still in the worker's reserved list, and a zombie's
     * reserve re-registers its old process id.
     */
    @Property
    @Disabled("FLAW: jobs are lost when a process taken for dead reserves (old id registered again; values given back "
            + "are claimed)")
    void zombiesNeverLoseJobs(@ForAll("zombiesTakeAndReserve") ActionChain<LifecycleWorld> chain) {
        LifecycleWorld world = chain.withInvariant("Redis holds what the model says", LifecycleWorld::checkInvariants).run();
        world.drainAndCheck();
    }

    @Provide
    Arbitrary<ActionChain<LifecycleWorld>> zombiesTakeAndReserve() {
        return lifecycleChain(new Scope(true, true, false, false));
    }

    /**
     * As the default property, but a reaper's claimDeadWorkers may lose its reply. Finds jobs stuck in processing for
     * as long as the reaper's process lives (see aClaimWhoseReplyIsLostIsFinishedByALaterPass).
     */
    @Property
    @Disabled("FLAW: a claim of dead processes whose reply is lost leaves their started jobs stuck in processing")
    void aClaimWhoseReplyIsLostIsNotStuck(@ForAll("claimRepliesLost") ActionChain<LifecycleWorld> chain) {
        LifecycleWorld world = chain.withInvariant("Redis holds what the model says", LifecycleWorld::checkInvariants).run();
        world.drainAndCheck();
    }

    @Provide
    Arbitrary<ActionChain<LifecycleWorld>> claimRepliesLost() {
        return lifecycleChain(new Scope(false, false, true, false));
    }

    // ---- the flaws the properties found, each as the shortest sequence that shows it (disabled until fixed)

    /**
     * FLAW (lost job): a process taken for dead that takes again before its heartbeat notices registers again under its
     * OLD id (JobQueueConsumer.reserve: a reserve that finds the process unregistered calls heartbeat.registerNow(),
     * which registers identity.processId() unrenewed). The records of the jobs it had reserved, which the reaper gave
     * back to the queue untouched, name that id as holder, so they now look held by a live process: whoever takes them
     * drops them as copies, and nothing brings them back.
     */
    @Example
    @Disabled("FLAW: a zombie's reserve re-registers its old process id; its given-back reservations look live and are dropped")
    void aProcessTakenForDeadDoesNotComeBackUnderItsOldId() {
        LifecycleWorld world = world(false, false);
        world.enqueue(false, false);
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1").orElseThrow();
        SimulatedProcess p2 = world.process("P2").orElseThrow();
        step(world, () -> world.takeAndReserve(p1.slots.get(0), 2, false, false));   // P1/1 reserves J1, J2
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p2, false));                              // P1 suspected
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // P1 dead: J1, J2 back to the queue
        step(world, () -> world.takeAndReserve(p1.slots.get(1), 1, false, false));   // zombie P1/2: J1, "not registered"
        // broken here: P1 is registered again as it was, and J2's record names it: J2 looks held by a live process
        step(world, () -> world.takeAndReserve(p2.slots.get(0), 2, false, false));   // P2 drops J2 as a copy: J2 is lost
        world.drainAndCheck();
    }

    /**
     * FLAW (lost job): values a thread took under its old identity are reserved under its new one. The take went into
     * the old worker's list; the reaper gave them back to the queue; the heartbeat gave the process a new id; then the
     * thread's reserve (with its old worker id, under the new process id) claims them as this live process's. The
     * values sit in the queue with records that say "reserved by a live process": whoever takes one drops it as a copy.
     */
    @Example
    @Disabled("FLAW: a reserve after a new identity claims values the reaper already gave back; they are then dropped as copies")
    void valuesTakenUnderAnOldIdentityAreNotReservedUnderTheNewOne() {
        LifecycleWorld world = world(true, false);
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1").orElseThrow();
        SimulatedProcess p2 = world.process("P2").orElseThrow();
        step(world, () -> world.take(p1.slots.get(0), 1, false));                    // P1/1 takes J1, not reserved yet
        step(world, () -> world.fallSilent(p1));
        step(world, () -> world.reaperPass(p2, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, false));                              // P1 dead: J1 back to the queue
        step(world, () -> world.heartbeat(p1));                                      // P1 learns it, becomes P1'
        step(world, () -> world.reserve(p1.slots.get(0), false));                    // broken: P1' claims J1, which is in the queue
        step(world, () -> world.takeAndReserve(p2.slots.get(0), 1, false, false));   // P2 drops J1 as a copy: J1 is lost
        world.drainAndCheck();
    }

    /**
     * FLAW (stuck job): a reaper's claimDeadWorkers whose reply is lost (a timeout after Redis ran it) leaves the dead
     * process's started jobs held by the reaper's process under a token nobody knows. A retry claims nothing (the dead
     * process is gone from the workers set), the orphan sweep sees them held by a live process, so they stay in
     * processing for as long as the reaper's process lives.
     */
    @Example
    @Disabled("FLAW: a claim whose reply is lost leaves the claimed jobs stuck in processing while the reaper lives")
    void aClaimWhoseReplyIsLostIsFinishedByALaterPass() {
        LifecycleWorld world = world(false, false);
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1").orElseThrow();
        SimulatedProcess p2 = world.process("P2").orElseThrow();
        step(world, () -> world.takeAndReserve(p1.slots.get(0), 1, false, false));
        step(world, () -> world.start(p1.slots.get(0), false));                      // J1 runs on P1
        step(world, () -> world.crash(p1));
        step(world, () -> world.reaperPass(p2, false));
        step(world, world::timePasses);
        step(world, () -> world.reaperPass(p2, true));                               // P2 claims J1; the reply is lost
        step(world, () -> world.reaperPass(p2, false));                              // finds nothing to do
        world.drainAndCheck();                                                       // broken: J1 stays in processing
    }

    /**
     * FLAW (counts reset): an older copy of a job (the same JSON pushed twice by another client, or an enqueue sent
     * again after a lost reply) that is taken before the job's current JSON (a promoted retry goes to the back of the
     * line, behind it; a stalled job can meet one the same way) is taken for the job, since the record says 'queued'. It runs with the counts it was
     * pushed with (attempts 0, no stalls, no errors); the job's current JSON is then dropped as a copy. So retries
     * and stalls are counted from zero again: maxAttempts and max-stalls no longer bound the job.
     */
    @Example
    @Disabled("FLAW: an older copy of a job runs in its place, with attempts and stalls from zero")
    void anOlderCopyDoesNotRunInPlaceOfTheJob() {
        LifecycleWorld world = world(false, true);
        world.pushSeedJob();
        ModelJob j1 = world.jobs.values().iterator().next();
        world.pushAgain(j1);                                                         // J1 twice in the queue
        Slot thread = world.process("P1").orElseThrow().slots.get(0);
        step(world, () -> world.takeAndReserve(thread, 1, false, false));
        step(world, () -> world.start(thread, false));
        step(world, () -> world.finish(thread, thread.running.get(0), Outcome.RETRY_NOW, false)); // attempts 1
        step(world, world::promote);                                                 // behind the older copy
        step(world, () -> world.takeAndReserve(thread, 1, false, false));            // the older copy is reserved
        step(world, () -> world.start(thread, false));                               // broken: it runs with attempts 0
        world.drainAndCheck();
    }

    /**
     * FLAW (count): a job that stalls more than max-stalls fails with the stall count it ran with: its error says
     * "stalled 2 times", its stored {@code stalls} says 1 (JobStates.failedStalled does not add the last stall).
     */
    @Example
    @Disabled("FLAW: a job failed for its stalls is stored without its last stall")
    void aJobFailedForItsStallsCarriesThemAll() {
        LifecycleWorld world = world(false, true);
        world.enqueue(false, false);
        SimulatedProcess p1 = world.process("P1").orElseThrow();
        SimulatedProcess p2 = world.process("P2").orElseThrow();
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
        step(world, () -> world.reaperPass(p3, false));                              // broken: failed with stalls 1
        world.drainAndCheck();
    }

    private LifecycleWorld world(boolean zombiesTake, boolean strictCounts) {
        LifecycleWorld world = new LifecycleWorld(2, zombiesTake, strictCounts);
        worlds.add(world);
        return world;
    }

    /** One step of an example, with the invariants checked after it as in the properties. */
    private static void step(LifecycleWorld world, Runnable step) {
        step.run();
        world.checkInvariants();
    }

    @AfterTry
    void closeWorlds() {
        worlds.forEach(LifecycleWorld::close);
        worlds.clear();
    }

    private ActionChainArbitrary<LifecycleWorld> lifecycleChain(Scope scope) {
        ActionChainArbitrary<LifecycleWorld> chain = ActionChain.startWith(() -> {
                    LifecycleWorld world = new LifecycleWorld(2, scope.zombiesTake(), scope.strictCounts());
                    worlds.add(world);
                    return world;
                })
                // producers
                .withAction(3, enqueue())
                .withAction(2, Action.<LifecycleWorld>when(LifecycleWorld::mayAddJob)
                        .just(Transformer.mutate("LPUSH a seed job", LifecycleWorld::pushSeedJob)))
                .withAction(1, onOneOf(world -> labels(world.jobs.values()), job -> Arbitraries.just(
                        step("LPUSH " + job + "'s first JSON again", world -> world.job(job, List.copyOf(world.jobs.values())),
                                LifecycleWorld::pushAgain))))
                // worker threads
                .withAction(5, onOneOf(world -> LifecycleWorld.names(world.slotsWithWaiting()), slot -> sometimes(15).map(retried ->
                        step(slot + " starts its next job" + sentTwice(retried), world -> world.slot(slot, world.slotsWithWaiting()),
                                (world, found) -> world.start(found, retried)))))
                .withAction(5, onOneOf(LifecycleWorld::runningNames, running -> Combinators.combine(
                                Arbitraries.of(Outcome.values()), sometimes(15))
                        .as((outcome, retried) -> step(running.slot() + " " + outcome + " " + running.job() + sentTwice(retried),
                                world -> world.running(running),
                                (world, found) -> world.finish(found.slot(), found.job(), outcome, retried)))))
                .withAction(1, onOneOf(world -> LifecycleWorld.names(world.slotsWithWaiting()), slot -> sometimes(30).map(retried ->
                        step(slot + " gives back its waiting jobs" + sentTwice(retried),
                                world -> world.slot(slot, world.slotsWithWaiting()),
                                (world, found) -> world.releaseWaiting(found, retried)))))
                .withAction(1, onOneOf(LifecycleWorld::runningNames, running -> Arbitraries.just(
                        step(running.slot() + " hands back " + running.job(), world -> world.running(running),
                                (world, found) -> world.handBack(found.slot(), found.job())))))
                // others' work on jobs
                .withAction(1, Action.<LifecycleWorld>when(world -> !world.jobsIn(Where.DELAYED).isEmpty())
                        .just(Transformer.mutate("promote due retries", LifecycleWorld::promote)))
                .withAction(1, onOneOf(world -> labels(world.jobsIn(Where.FAILED)), job -> sometimes(30).map(replyLost ->
                        step("retry " + job + " by hand" + sentTwice(replyLost), world -> world.job(job, world.jobsIn(Where.FAILED)),
                                (world, found) -> world.retryByHand(found, replyLost)))))
                // processes, heartbeats, reapers, time
                .withAction(1, Action.<LifecycleWorld>when(LifecycleWorld::mayStartProcess)
                        .just(Transformer.mutate("start a process", world -> world.startProcess())))
                .withAction(2, onProcess(LifecycleWorld::processesThatMayFallSilent, "falls silent", LifecycleWorld::fallSilent))
                .withAction(1, onProcess(LifecycleWorld::alive, "crashes", LifecycleWorld::crash))
                .withAction(1, onProcess(LifecycleWorld::alive, "stops cleanly", LifecycleWorld::stopCleanly))
                .withAction(2, onProcess(LifecycleWorld::alive, "heartbeat", LifecycleWorld::heartbeat))
                .withAction(2, Action.just(Transformer.mutate("time passes", LifecycleWorld::timePasses)))
                .withAction(3, onProcess(LifecycleWorld::alive, "reaper pass", (world, process) -> world.reaperPass(process, false)));
        if (scope.splitTakeAndReserve()) {
            chain = chain
                    .withAction(5, onOneOf(world -> LifecycleWorld.names(world.slotsThatMayTake()), slot -> Combinators.combine(
                                    Arbitraries.integers().between(1, 3), sometimes(10))
                            .as((max, replyLost) -> step(slot + " takes up to " + max + (replyLost ? ", reply lost" : ""),
                                    world -> world.slot(slot, world.slotsThatMayTake()),
                                    (world, found) -> world.take(found, max, replyLost)))))
                    .withAction(5, onOneOf(world -> LifecycleWorld.names(world.slotsWithUnreserved()), slot -> sometimes(15).map(retried ->
                            step(slot + " reserves" + sentTwice(retried), world -> world.slot(slot, world.slotsWithUnreserved()),
                                    (world, found) -> world.reserve(found, retried)))));
        } else {
            chain = chain.withAction(8, onOneOf(world -> LifecycleWorld.names(world.slotsThatMayTake()), slot -> Combinators.combine(
                            Arbitraries.integers().between(1, 3), sometimes(10), sometimes(15))
                    .as((max, replyLost, retried) -> step(slot + " takes up to " + max + " and reserves"
                                    + (replyLost ? ", the take's reply lost" : "") + (retried ? ", the reserve sent twice" : ""),
                            world -> world.slot(slot, world.slotsThatMayTake()),
                            (world, found) -> world.takeAndReserve(found, max, replyLost, retried)))));
        }
        if (scope.lostClaims()) {
            chain = chain.withAction(1, onProcess(LifecycleWorld::processesThatMayFallSilent, "reaper claims, reply lost",
                    (world, process) -> world.reaperPass(process, true)));
        }
        return chain.withMaxTransformations(MAX_STEPS);
    }

    /** An action of one of the processes {@code fit} names now. */
    private static Action.Dependent<LifecycleWorld> onProcess(Function<LifecycleWorld, List<SimulatedProcess>> fit, String what,
                                                              BiConsumer<LifecycleWorld, SimulatedProcess> act) {
        return onOneOf(world -> fit.apply(world).stream().map(process -> process.name).toList(), name -> Arbitraries.just(
                step(name + " " + what, world -> fit.apply(world).stream().filter(process -> process.name.equals(name)).findFirst(),
                        act)));
    }

    /**
     * A step on something found by name when it runs: in a replay of a shrunk sequence that thing may be gone or no
     * longer fit, and the step is skipped.
     */
    private static <T> Transformer<LifecycleWorld> step(String description, Function<LifecycleWorld, Optional<T>> find,
                                                        BiConsumer<LifecycleWorld, T> act) {
        return Transformer.mutate(description, world -> find.apply(world).ifPresentOrElse(found -> act.accept(world, found),
                () -> world.note("(" + description + ": not possible here, skipped)")));
    }

    private static List<String> labels(Collection<ModelJob> jobs) {
        return jobs.stream().map(job -> job.label).toList();
    }

    private static Action.Independent<LifecycleWorld> enqueue() {
        return new Action.Independent<>() {
            @Override
            public boolean precondition(LifecycleWorld world) {
                return world.mayAddJob();
            }

            @Override
            public Arbitrary<Transformer<LifecycleWorld>> transformer() {
                return Arbitraries.frequency(
                        Tuple.of(7, Transformer.mutate("enqueue", world -> world.enqueue(false, false))),
                        Tuple.of(2, Transformer.mutate("enqueue, reply lost, sent again", world -> world.enqueue(true, false))),
                        Tuple.of(1, Transformer.mutate("enqueue with a key, reply lost, sent again",
                                world -> world.enqueue(true, true))));
            }
        };
    }

    /** An action on one of the candidates the world offers now (a slot, a job, a process); not taken when there are none. */
    private static <T> Action.Dependent<LifecycleWorld> onOneOf(Function<LifecycleWorld, List<T>> candidates,
                                                                Function<T, Arbitrary<Transformer<LifecycleWorld>>> transformers) {
        return new Action.Dependent<>() {
            @Override
            public boolean precondition(LifecycleWorld world) {
                return !candidates.apply(world).isEmpty();
            }

            @Override
            public Arbitrary<Transformer<LifecycleWorld>> transformer(LifecycleWorld world) {
                return Arbitraries.of(candidates.apply(world)).flatMap(transformers);
            }
        };
    }

    /** true in {@code percent} of the cases; shrinks to false. */
    private static Arbitrary<Boolean> sometimes(int percent) {
        return Arbitraries.integers().between(0, 99).map(n -> n >= 100 - percent);
    }

    private static String sentTwice(boolean retried) {
        return retried ? " (sent twice)" : "";
    }
}
