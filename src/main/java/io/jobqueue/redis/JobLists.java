package io.jobqueue.redis;

import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import io.jobqueue.job.Job;
import io.jobqueue.job.JobEvent;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.JobStates;
import io.jobqueue.redis.JobScripts.Orphan;
import io.jobqueue.redis.JobScripts.Retry;
import org.springframework.data.redis.core.RedisCallback;
import org.springframework.data.redis.core.StringRedisTemplate;
import org.springframework.data.redis.core.script.RedisScript;

/**
 * Reading the lists, and what is done to them from outside the workers: clearing them, retrying failed jobs by hand
 * (retryFailed.lua, publishes 'queued'), and returning values in processing that no live process holds (the orphan
 * sweep: requeueOrphans.lua, publishes 'stalled'). For the API, the monitor and the orphan sweep.
 */
public final class JobLists {

    private static final RedisScript<Long> CLEAR_QUEUE = LuaScript.returningNumber("clearQueue");
    private static final int SCAN_PAGE = 1000;

    private final StringRedisTemplate redis;
    private final RedisKeys keys;
    private final JobScripts scripts;

    public JobLists(StringRedisTemplate redis, RedisKeys keys) {
        this.redis = redis;
        this.keys = keys;
        this.scripts = new JobScripts(redis, keys);
    }

    /** How many jobs are in each place, by API name, in one round trip. */
    public Map<String, Long> stats() {
        QueueType[] types = QueueType.values();
        List<Object> sizes = redis.executePipelined((RedisCallback<Object>) connection -> {
            for (QueueType type : types) {
                byte[] key = keys.of(type).getBytes(StandardCharsets.UTF_8);
                if (type == QueueType.DELAYED) {
                    connection.zSetCommands().zCard(key);
                } else {
                    connection.listCommands().lLen(key);
                }
            }
            return null;
        });
        Map<String, Long> stats = new LinkedHashMap<>();
        for (int i = 0; i < types.length; i++) {
            stats.put(types[i].apiName(), (Long) sizes.get(i));
        }
        return stats;
    }

    /**
     * Jobs of one list from {@code start}, at most {@code count}, as a JSON array: newest first, or for delayed jobs,
     * soonest due first. The jobs' JSON goes out as it is stored, unparsed (it was checked as a token stream); a value
     * that is not JSON (pushed by another client) is shown as {@code {"invalid": ..., "raw": ...}} rather than
     * breaking the page. A page stops early once it holds {@link #MAX_PAGE_BYTES} (at least one job): a thousand large
     * jobs would otherwise cost the process gigabytes for one request. Read from Redis a few dozen at a time.
     */
    public String page(QueueType type, long start, int count) {
        StringBuilder page = new StringBuilder("[");
        int listed = 0;
        for (long from = start; listed < count && page.length() < MAX_PAGE_BYTES; from += PAGE_READ) {
            long to = from + Math.min(PAGE_READ, count - listed) - 1;
            Collection<String> values = type == QueueType.DELAYED
                    ? redis.opsForZSet().range(keys.delayed(), from, to)
                    : redis.opsForList().range(keys.of(type), from, to);
            if (values == null || values.isEmpty()) {
                break;
            }
            for (String value : values) {
                if (listed > 0 && page.length() + value.length() > MAX_PAGE_BYTES) {
                    return page.append(']').toString();
                }
                page.append(listed++ == 0 ? "" : ",").append(asJson(value));
            }
        }
        return page.append(']').toString();
    }

    static final int MAX_PAGE_BYTES = 8 * 1024 * 1024;
    private static final int PAGE_READ = 50;

    private static String asJson(String value) {
        try {
            JobJson.topLevelFields(value);
            return value;
        } catch (JobJson.InvalidJsonException e) {
            ObjectNode wrapper = JobJson.MAPPER.createObjectNode();
            wrapper.put("invalid", e.getMessage());
            wrapper.put("raw", value.length() > 65_536 ? value.substring(0, 65_536) : value);
            return JobJson.write(wrapper);
        }
    }

    /**
     * Removes every job of one list, and answers how many there were. Finished and delayed jobs lose their records
     * too; running jobs keep theirs (clearing the processing list does not stop them: they still finish).
     */
    public long clear(QueueType type) {
        List<String> clearKeys = type == QueueType.QUEUED ? List.of(keys.queued(), keys.announced()) : List.of(keys.of(type));
        boolean withRecords = type == QueueType.COMPLETED || type == QueueType.FAILED || type == QueueType.DELAYED;
        return redis.execute(CLEAR_QUEUE, clearKeys, withRecords ? keys.jobPrefix() : "");
    }

    /** The failed job with this id, as stored, searched page by page from the newest. */
    public Optional<Job> findFailed(String id) {
        String quotedId = JobJson.write(id);
        for (long start = 0; ; start += SCAN_PAGE) {
            List<String> page = redis.opsForList().range(keys.failed(), start, start + SCAN_PAGE - 1);
            if (page == null || page.isEmpty()) {
                return Optional.empty();
            }
            for (String value : page) {
                if (value.contains(quotedId)) {
                    Job job = Job.readOrWrap(value, Instant.now());
                    if (id.equals(job.id())) {
                        return Optional.of(job);
                    }
                }
            }
        }
    }

    /** A page of the failed list, as stored (for retrying them all). */
    public List<Job> failedPage(long start, int count) {
        List<String> page = redis.opsForList().range(keys.failed(), start, start + count - 1);
        List<Job> jobs = new ArrayList<>();
        if (page != null) {
            Instant now = Instant.now();
            for (String value : page) {
                jobs.add(Job.readOrWrap(value, now));
            }
        }
        return jobs;
    }

    /**
     * failed -> queued, by hand, for the given jobs as they are stored in the failed list: back of the line, attempts
     * reset to 0 (the errors of earlier attempts are kept), announced by 'queued'. Returns the jobs moved.
     */
    public List<Job> retryFailed(List<Job> failedJobs) {
        List<Job> queued = new ArrayList<>(failedJobs.size());
        List<Retry> retries = new ArrayList<>(failedJobs.size());
        long now = System.currentTimeMillis();
        for (Job failed : failedJobs) {
            Job again = JobStates.retriedByHand(failed);
            queued.add(again);
            retries.add(new Retry(failed.stored(), again.id(), again.json(), JobEvent.of(again, now).json(), JobStates.rev(again)));
        }
        List<Boolean> moved = scripts.retryFailed(retries, JobStore.WAITING_RECORD_TTL_MS);
        List<Job> result = new ArrayList<>();
        for (int i = 0; i < queued.size(); i++) {
            if (moved.get(i)) {
                result.add(queued.get(i).asStored());
            }
        }
        return result;
    }

    /** One page of the processing list as stored, for the orphan sweep. */
    public List<String> processingPage(long start, int count) {
        List<String> page = redis.opsForList().range(keys.processing(), start, start + count - 1);
        return page == null ? List.of() : page;
    }

    /**
     * processing -> queued, as 'stalled', for those of {@code values} (as read from the processing list) that no live
     * process has held for {@code graceMs}. Returns how many moved.
     */
    public long requeueOrphans(List<String> values, long graceMs) {
        List<Orphan> seen = new ArrayList<>(values.size());
        long now = System.currentTimeMillis();
        for (String value : values) {
            Job job = Job.readOrWrap(value, Instant.ofEpochMilli(now));
            if (job.invalidReason() != null) {
                seen.add(new Orphan(value, "", value, "", 0));
            } else {
                JobEvent stalled = new JobEvent(job.id(), JobStates.STALLED, job.text("workerId"), JobJson.timestamp(now),
                        "no live worker process held it", null);
                Job queued = JobStates.stalled(job);
                seen.add(new Orphan(value, job.id(), queued.json(), stalled.json(), JobStates.rev(queued)));
            }
        }
        return seen.isEmpty() ? 0 : scripts.requeueOrphans(graceMs, seen);
    }


}
