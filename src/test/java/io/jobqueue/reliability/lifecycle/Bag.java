package io.jobqueue.reliability.lifecycle;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;

/** A multiset of values: what a Redis list holds when its order does not matter, duplicates included. */
final class Bag {

    private final Map<String, Integer> counts = new TreeMap<>();

    static Bag of(Collection<String> values) {
        Bag bag = new Bag();
        values.forEach(bag::add);
        return bag;
    }

    void add(String value) {
        counts.merge(value, 1, Integer::sum);
    }

    /** Removes one occurrence; false when there was none. */
    boolean remove(String value) {
        Integer count = counts.get(value);
        if (count == null) {
            return false;
        }
        if (count == 1) {
            counts.remove(value);
        } else {
            counts.put(value, count - 1);
        }
        return true;
    }

    boolean contains(String value) {
        return counts.containsKey(value);
    }

    int size() {
        return counts.values().stream().mapToInt(Integer::intValue).sum();
    }

    boolean isEmpty() {
        return counts.isEmpty();
    }

    Bag copy() {
        Bag copy = new Bag();
        copy.counts.putAll(counts);
        return copy;
    }

    /** Every value, as often as it is here. */
    List<String> values() {
        List<String> values = new ArrayList<>();
        counts.forEach((value, count) -> {
            for (int i = 0; i < count; i++) {
                values.add(value);
            }
        });
        return values;
    }

    /** What this bag holds that {@code other} does not (as often as it holds it more). */
    Bag minus(Bag other) {
        Bag rest = copy();
        other.values().forEach(rest::remove);
        return rest;
    }

    List<String> drain() {
        List<String> values = values();
        counts.clear();
        return values;
    }

    @Override
    public boolean equals(Object other) {
        return other instanceof Bag bag && bag.counts.equals(counts);
    }

    @Override
    public int hashCode() {
        return counts.hashCode();
    }

    @Override
    public String toString() {
        return counts.toString();
    }
}
