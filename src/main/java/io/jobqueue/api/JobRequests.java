package io.jobqueue.api;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;

import io.jobqueue.job.Job;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.ObjectJson;
import io.jobqueue.redis.JobLists;
import io.jobqueue.redis.QueueType;
import io.netty.buffer.ByteBuf;
import io.vertx.core.buffer.Buffer;
import org.apache.camel.Exchange;

/** What the HTTP routes ask of the queue, with the checks that turn bad input into a 4xx. */
public final class JobRequests {

    private static final int MAX_PAGE = 1000;

    private final JobLists lists;
    private final int maxBulkJobs;
    private final JobSize jobSize;

    /** @param maxJobBytes {@code jobqueue.job.max-bytes}: a job larger than this is refused at intake (413) */
    public JobRequests(JobLists lists, int maxBulkJobs, long maxJobBytes) {
        this.lists = lists;
        this.maxBulkJobs = maxBulkJobs;
        this.jobSize = new JobSize(maxJobBytes);
    }

    /**
     * Takes the raw body of a POST /jobs (its size was checked before it was read: {@link RequestGate}). The body is
     * read as JSON whatever its Content-Type says, so that {@code curl -d '{...}'} (which labels it form-encoded)
     * works. A job that would be over {@code jobqueue.job.max-bytes} is refused with 413: a worker would fail it unread.
     */
    public void readBody(Exchange exchange) {
        byte[] body = exchange.getMessage().getBody(byte[].class);
        if (body != null && !jobSize.fits(body.length)) {
            throw jobSize.tooLarge(body.length, "the body");
        }
        exchange.getMessage().setBody(body);
    }

    /**
     * Takes the body of a POST /jobs/bulk: a JSON array of objects, or NDJSON (one object per line), each a job's
     * data. Every element is checked before anything is enqueued (400 names the first bad one, 413 one that would make
     * a job over {@code jobqueue.job.max-bytes}); the body becomes the list of the elements' JSON texts, which the
     * jobqueue producer enqueues many per round trip. The body is read where Vert.x received it, not copied.
     */
    public void readBulkBody(Exchange exchange) {
        ByteBuf received = exchange.getMessage().getBody() instanceof Buffer buffer ? buffer.getByteBuf() : null;
        byte[] bytes;
        int offset = 0;
        int length;
        if (received != null && received.hasArray()) {
            bytes = received.array();
            offset = received.arrayOffset() + received.readerIndex();
            length = received.readableBytes();
        } else {
            bytes = exchange.getMessage().getBody(byte[].class);
            length = bytes == null ? 0 : bytes.length;
        }
        int first = offset;
        while (first < offset + length && Character.isWhitespace(bytes[first])) {
            first++;
        }
        if (first == offset + length) {
            throw new ApiException(400, "the body is empty: send a JSON array of objects, or one JSON object per line");
        }
        if (!inUtf8(bytes, offset, length)) {
            throw new ApiException(400, "the body is not UTF-8 text (UTF-16 or UTF-32?): send it in UTF-8");
        }
        List<ObjectJson> jobs = bytes[first] == '['
                ? BulkBody.arrayElements(bytes, offset, length, maxBulkJobs, jobSize)
                : BulkBody.lines(bytes, offset, length, maxBulkJobs, jobSize);
        if (jobs.isEmpty()) {
            throw new ApiException(400, "no jobs in the body");
        }
        exchange.getMessage().setBody(jobs);
    }

    /**
     * Whether a body is in UTF-8 as far as its first bytes tell: a JSON text in UTF-16 or UTF-32 has a NUL among its
     * first four bytes, or starts with a byte order mark of its own. (The parser would read it as characters, with no
     * byte offsets to cut the jobs out by; invalid UTF-8 further on is refused by the parser itself.)
     */
    private static boolean inUtf8(byte[] bytes, int offset, int length) {
        if (length >= 2 && ((bytes[offset] & 0xff) == 0xfe && (bytes[offset + 1] & 0xff) == 0xff
                || (bytes[offset] & 0xff) == 0xff && (bytes[offset + 1] & 0xff) == 0xfe)) {
            return false;
        }
        for (int i = offset; i < offset + Math.min(4, length); i++) {
            if (bytes[i] == 0) {
                return false;
            }
        }
        return true;
    }

    public String stats() {
        return JobJson.write(lists.stats());
    }

    public String list(String queueType, String start, String count) {
        QueueType type = queueType(queueType);
        long from = parse("start", start, 0, Long.MAX_VALUE, 0);
        int size = (int) parse("count", count, 1, MAX_PAGE, 100);
        return lists.page(type, from, size);
    }

    public String clear(String queueType) {
        return JobJson.write(Map.of("removed", lists.clear(queueType(queueType))));
    }

    /** POST /jobs/failed/{id}/retry: that failed job back to the queue, attempts reset. Answers the job as queued. */
    public String retryFailed(String id) {
        Job failed = lists.findFailed(id).orElseThrow(() -> new ApiException(404, "no failed job with id '" + id + "'"));
        if (failed.invalidReason() != null) {
            throw new ApiException(409, "'" + id + "' is not a job (" + failed.invalidReason()
                    + "), so it cannot be retried; its text is in its 'raw' field");
        }
        List<Job> moved = lists.retryFailed(List.of(failed));
        if (moved.isEmpty()) {
            throw new ApiException(404, "no failed job with id '" + id + "' (it was just moved or removed)");
        }
        return moved.get(0).json();
    }

    /**
     * POST /jobs/failed/retry: every failed job back to the queue, a page at a time. Records of values that were not
     * jobs are left where they are (they would fail again). Answers {@code {"retried": n, "ids": [...], "skipped": k}}.
     */
    public String retryAllFailed() {
        List<String> ids = new ArrayList<>();
        int skipped = 0;
        for (int page = 0; page < 100_000; page++) {
            List<Job> failed = lists.failedPage(skipped, 1000);
            if (failed.isEmpty()) {
                break;
            }
            List<Job> jobs = new ArrayList<>();
            for (Job job : failed) {
                if (job.invalidReason() != null) {
                    skipped++;
                } else {
                    jobs.add(job);
                }
            }
            if (!jobs.isEmpty()) {
                lists.retryFailed(jobs).forEach(job -> ids.add(job.id()));
            }
        }
        Map<String, Object> answer = new LinkedHashMap<>();
        answer.put("retried", ids.size());
        answer.put("ids", ids);
        answer.put("skipped", skipped);
        return JobJson.write(answer);
    }

    private static QueueType queueType(String name) {
        return QueueType.fromApiName(name).orElseThrow(() -> new ApiException(404,
                "unknown queue type '" + name + "': use " + QueueType.apiNames()));
    }

    private static long parse(String name, String value, long min, long max, long otherwise) {
        if (value == null || value.isEmpty()) {
            return otherwise;
        }
        long number;
        try {
            number = Long.parseLong(value);
        } catch (NumberFormatException e) {
            throw new ApiException(400, name + " must be a whole number, got '" + value + "'");
        }
        if (number < min || number > max) {
            throw new ApiException(400, name + " must be between " + min + " and " + max + ", got " + number);
        }
        return number;
    }
}
