package io.jobqueue.fuzz;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Predicate;

import io.jobqueue.fuzz.FuzzRequest.Framing;

/**
 * Makes a failing request as small as it will go while it still fails the same way: without each header in turn,
 * with plain framing, with pieces of its body cut out (halves, then quarters, down to single bytes), without its
 * query, with its path shortened. Every try is a real request to the running application, so the number of tries
 * and the time are bounded; what comes out is the smallest request found, not necessarily the smallest there is.
 */
final class Shrinker {

    private final Predicate<FuzzRequest> stillFails;
    private final long deadline;
    private int triesLeft;

    private Shrinker(Predicate<FuzzRequest> stillFails, int maxTries, long maxMillis) {
        this.stillFails = stillFails;
        this.triesLeft = maxTries;
        this.deadline = System.currentTimeMillis() + maxMillis;
    }

    static FuzzRequest minimize(FuzzRequest failing, Predicate<FuzzRequest> stillFails, int maxTries, long maxMillis) {
        return new Shrinker(stillFails, maxTries, maxMillis).run(failing);
    }

    private FuzzRequest run(FuzzRequest request) {
        FuzzRequest smallest = request;
        boolean progress = true;
        while (progress && budgetLeft()) {
            progress = false;
            FuzzRequest next = withoutHeaders(smallest);
            next = plainFraming(next);
            next = smallerBody(next);
            next = smallerTarget(next);
            if (next.bytes().length < smallest.bytes().length) {
                smallest = next;
                progress = true;
            }
        }
        return smallest;
    }

    private FuzzRequest withoutHeaders(FuzzRequest request) {
        FuzzRequest current = request;
        for (int i = current.headers().size() - 1; i >= 0 && budgetLeft(); i--) {
            List<FuzzRequest.Header> fewer = new ArrayList<>(current.headers());
            fewer.remove(i);
            current = keepIfFails(current, current.withHeaders(fewer));
        }
        return current;
    }

    private FuzzRequest plainFraming(FuzzRequest request) {
        return request.framing() == Framing.EXACT || !budgetLeft() ? request : keepIfFails(request, request.withFraming(Framing.EXACT));
    }

    /** Delta debugging on the body: cut out pieces of halving size while it still fails. */
    private FuzzRequest smallerBody(FuzzRequest request) {
        if (request.hasHandMadeLength() || request.body().length == 0) {
            return request; // the hand-made Content-Length says the body's length: cutting the body would make it a lie
        }
        FuzzRequest current = keepIfFails(request, request.withBody(new byte[0]));
        for (int piece = current.body().length / 2; piece >= 1 && budgetLeft(); piece /= 2) {
            for (int at = 0; at + piece <= current.body().length && budgetLeft(); ) {
                FuzzRequest cut = current.withBody(Hostile.remove(current.body(), at, piece));
                FuzzRequest kept = keepIfFails(current, cut);
                if (kept == current) {
                    at += piece;
                }
                current = kept;
            }
        }
        return current;
    }

    private FuzzRequest smallerTarget(FuzzRequest request) {
        FuzzRequest current = request;
        int query = current.target().indexOf('?');
        if (query >= 0 && budgetLeft()) {
            current = keepIfFails(current, current.withTarget(current.target().substring(0, query)));
        }
        // long runs in the path (a 5,000-character segment) halved while it still fails
        for (int piece = current.target().length() / 2; piece >= 8 && budgetLeft(); piece /= 2) {
            for (int at = 1; at + piece <= current.target().length() && budgetLeft(); ) {
                String target = current.target();
                FuzzRequest kept = keepIfFails(current, current.withTarget(target.substring(0, at) + target.substring(at + piece)));
                if (kept == current) {
                    at += piece;
                }
                current = kept;
            }
        }
        return current;
    }

    private FuzzRequest keepIfFails(FuzzRequest current, FuzzRequest candidate) {
        if (!budgetLeft()) {
            return current;
        }
        triesLeft--;
        return stillFails.test(candidate) ? candidate : current;
    }

    private boolean budgetLeft() {
        return triesLeft > 0 && System.currentTimeMillis() < deadline;
    }
}
