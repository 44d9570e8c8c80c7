package io.jobqueue.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.ObjectJson;

/**
 * Splits a bulk body into the JSON texts of its jobs' data, checking each as a token stream without building it
 * (a bulk body may hold 100,000 jobs).
 */
final class BulkBody {

    private BulkBody() {
    }

    /** The elements of a JSON array, read from the body's UTF-8 bytes as they came (no copy as text first); each must be an object. */
    static List<ObjectJson> arrayElements(byte[] body, int maxJobs) {
        List<ObjectJson> jobs = new ArrayList<>();
        try (JsonParser parser = JobJson.DATA_IN_ARRAY.createParser(body)) {
            parser.nextToken(); // START_ARRAY: the caller saw the bracket
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (token != JsonToken.START_OBJECT) {
                    throw new ApiException(400, "element " + jobs.size() + " is not a JSON object (got " + JobJson.kind(token) + ")");
                }
                tooMany(jobs.size() + 1, maxJobs);
                int start = (int) parser.currentTokenLocation().getByteOffset();
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                jobs.add(new ObjectJson(new String(body, start, end - start, StandardCharsets.UTF_8)));
            }
            if (parser.nextToken() != null) {
                throw new ApiException(400, "invalid JSON: more text after the array");
            }
        } catch (JsonProcessingException e) {
            throw new ApiException(400, "invalid JSON after element " + jobs.size() + ": " + JobJson.problem(e));
        } catch (IOException e) {
            throw new ApiException(400, "invalid JSON: " + e.getMessage());
        }
        return jobs;
    }

    /** NDJSON: one object per line; blank lines are skipped. */
    static List<ObjectJson> lines(String text, int maxJobs) {
        List<ObjectJson> jobs = new ArrayList<>();
        int lineNumber = 0;
        for (String line : text.split("\n")) {
            lineNumber++;
            if (line.isBlank()) {
                continue;
            }
            tooMany(jobs.size() + 1, maxJobs);
            try {
                jobs.add(new ObjectJson(JobJson.requireObject(line)));
            } catch (JobJson.InvalidJsonException e) {
                throw new ApiException(400, "line " + lineNumber + ": " + e.getMessage());
            }
        }
        return jobs;
    }

    private static void tooMany(int count, int maxJobs) {
        if (count > maxJobs) {
            throw new ApiException(413, "more than " + maxJobs + " jobs in one request (jobqueue.api.max-bulk-jobs)");
        }
    }
}
