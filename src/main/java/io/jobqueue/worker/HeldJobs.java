package io.jobqueue.worker;

import java.util.List;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;

import io.jobqueue.job.Job;

/** The jobs this process holds in processing right now (taken, not yet finished), whose leases it must renew. */
public final class HeldJobs {

    private final Map<String, Job> byStoredValue = new ConcurrentHashMap<>();

    void add(List<Job> jobs) {
        for (Job job : jobs) {
            byStoredValue.put(job.stored(), job);
        }
    }

    void remove(Job job) {
        byStoredValue.remove(job.stored());
    }

    /** The stored values of the held jobs, as the leases know them. */
    public List<String> storedValues() {
        return List.copyOf(byStoredValue.keySet());
    }

    public int size() {
        return byStoredValue.size();
    }
}
