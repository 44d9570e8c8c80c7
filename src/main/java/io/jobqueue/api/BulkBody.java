package io.jobqueue.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;

import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import io.jobqueue.job.JobJson;
import io.jobqueue.job.ObjectJson;

/**
 * Splits a bulk body into the JSON texts of its jobs' data, checking each as a token stream without building it
 * (a bulk body may hold 100,000 jobs). The body is read from its UTF-8 bytes where they lie: the only copies made are
 * the jobs' own texts, so a body that is refused costs no more memory than it took to receive.
 */
final class BulkBody {

    private BulkBody() {
    }

    /** The elements of a JSON array; each must be an object. */
    static List<ObjectJson> arrayElements(byte[] body, int offset, int length, int maxJobs, JobSize jobSize) {
        List<ObjectJson> jobs = new ArrayList<>();
        try (JsonParser parser = JobJson.DATA_IN_ARRAY.createParser(body, offset, length)) {
            parser.nextToken(); // START_ARRAY: the caller saw the bracket
            JsonToken token;
            while ((token = parser.nextToken()) != JsonToken.END_ARRAY) {
                if (token != JsonToken.START_OBJECT) {
                    throw new ApiException(400, "element " + jobs.size() + " is not a JSON object (got " + JobJson.kind(token) + ")");
                }
                tooMany(jobs.size() + 1, maxJobs);
                int start = (int) parser.currentTokenLocation().getByteOffset(); // from offset
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                if (!jobSize.fits(end - start)) {
                    throw jobSize.tooLarge(end - start, "element " + jobs.size());
                }
                jobs.add(new ObjectJson(new String(body, offset + start, end - start, StandardCharsets.UTF_8)));
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
    static List<ObjectJson> lines(byte[] body, int offset, int length, int maxJobs, JobSize jobSize) {
        List<ObjectJson> jobs = new ArrayList<>();
        int line = 1;
        // one parser for the whole body: Jackson reads a sequence of values separated by whitespace, and counts lines
        try (JsonParser parser = JobJson.DATA.createParser(body, offset, length)) {
            JsonToken token;
            while ((token = parser.nextToken()) != null) {
                line = parser.currentTokenLocation().getLineNr();
                if (token != JsonToken.START_OBJECT) {
                    throw new ApiException(400, "line " + line + ": a job's data must be a JSON object, got " + JobJson.kind(token));
                }
                tooMany(jobs.size() + 1, maxJobs);
                int start = (int) parser.currentTokenLocation().getByteOffset(); // from offset
                parser.skipChildren();
                int end = (int) parser.currentLocation().getByteOffset();
                if (!jobSize.fits(end - start)) {
                    throw jobSize.tooLarge(end - start, "line " + line);
                }
                jobs.add(new ObjectJson(new String(body, offset + start, end - start, StandardCharsets.UTF_8)));
            }
        } catch (JsonProcessingException e) {
            JsonLocation at = e.getLocation();
            throw new ApiException(400, "line " + (at != null ? at.getLineNr() : line) + ": invalid JSON: " + JobJson.problem(e));
        } catch (IOException e) {
            throw new ApiException(400, "invalid JSON: " + e.getMessage());
        }
        return jobs;
    }

    private static void tooMany(int count, int maxJobs) {
        if (count > maxJobs) {
            throw new ApiException(413, "more than " + maxJobs + " jobs in one request (jobqueue.api.max-bulk-jobs)");
        }
    }
}
