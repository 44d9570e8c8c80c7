package io.jobqueue.fuzz;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Set;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import io.jobqueue.fuzz.Ledger.Finding;

/**
 * What must hold of the answers to any request, however hostile, and the bookkeeping of the jobs they accepted:
 * <ul>
 * <li>an answer comes (or, where the server may close, a close: an unfinished request, one that is not HTTP);</li>
 * <li>no 5xx but 503;</li>
 * <li>a 4xx has a JSON body with an "error" (unless it is the HTTP codec's own answer to bytes that are not HTTP);</li>
 * <li>no 2xx without a token that holds the endpoint's role;</li>
 * <li>a path with an empty segment is a 404, and nothing but POST /jobs/failed/retry retries every failed job;</li>
 * <li>a job accepted by POST /jobs has an id and the data exactly as sent; a repeat with its idempotency key gives the
 * same job, and never a second one; a bulk answer gives as many ids as its count;</li>
 * <li>a 405 never says the request's own method is allowed.</li>
 * </ul>
 * Findings that match a bug already reported name it, so that the run counts them without failing.
 */
final class AnswerCheck {

    /** Bugs this fuzzer found, reported to the core's owner; each has a focused test in {@link FuzzFindingsTest}. */
    static final String BULK_UTF16_500 = "BUG-1 bulk body in UTF-16/32: 500";
    static final String DOT_SEGMENT_RETRY_ALL = "BUG-2 dot segment reaches retry-all";
    static final String ALLOW_NAMES_OWN_METHOD = "BUG-3 405 allows the method it refuses";
    static final String BAD_ESCAPE_NOT_JSON = "BUG-4 bad %-escape: 400 not JSON";
    static final String INVALID_UTF8_ALTERED = "BUG-5 POST /jobs alters invalid UTF-8";
    static final String LISTING_500 = "BUG-6 a job in the page: GET /jobs/{queueType} 500";
    static final String HEAD_ABSOLUTE_500 = "BUG-7 HEAD with an absolute-form target: 500";

    private AnswerCheck() {
    }

    static List<Finding> check(FuzzRequest request, WireClient.Exchange exchange, Ledger ledger) {
        List<Finding> findings = new ArrayList<>();
        ledger.requests++;
        boolean malformed = request.isMalformedHttp();
        if (exchange.answers().isEmpty()) {
            if (exchange.timedOut()) {
                findings.add(new Finding("no answer within the time limit", "nothing came back and the connection stayed open", null));
            } else if (request.isUnfinished() || malformed) {
                ledger.closedWithoutAnswer++; // allowed: the request never ended, or was not HTTP
            } else {
                findings.add(new Finding("closed without an answer", String.valueOf(exchange.readProblem()), null));
            }
            return findings;
        }
        for (int i = 0; i < exchange.answers().size(); i++) {
            WireClient.Answer answer = exchange.answers().get(i);
            // answers after the first are to the leftover bytes of a lying Content-Length: not HTTP, as a rule
            checkAnswer(request, answer, i == 0 ? malformed : true, i == 0, ledger, findings);
        }
        if (exchange.readProblem() != null && !request.isUnfinished()) {
            findings.add(new Finding("a broken answer", exchange.readProblem(), null));
        }
        return findings;
    }

    private static void checkAnswer(FuzzRequest request, WireClient.Answer answer, boolean malformed, boolean first,
                                    Ledger ledger, List<Finding> findings) {
        int status = answer.status();
        ledger.statuses.merge(status, 1, Integer::sum);
        boolean head = request.isHead() && first;
        JsonNode json = head ? null : json(answer.body());

        if (status >= 500) {
            if (status == 503) {
                if (first && isPost(request) && isIntakePath(request.normalizedPath())) {
                    ledger.intakeUnavailable++;
                }
                return; // Redis trouble or a limit reached: allowed
            }
            if (malformed && request.hasUnknownVersion() && (status == 501 || status == 505)) {
                return;
            }
            if (status == 500 && first && isBulk(request) && looksUtf16Or32(request.body())) {
                findings.add(new Finding("a " + status, answer.toString(), BULK_UTF16_500));
                return;
            }
            String bug = status != 500 || !first ? null
                    : isListing(request) ? LISTING_500
                    : request.isHead() && !request.target().startsWith("/") ? HEAD_ABSOLUTE_500
                    : null;
            findings.add(new Finding("a " + status, answer.toString(), bug));
            return;
        }
        if (first && status != 404 && hasEmptySegment(request.rawPath()) && !malformed && !request.lacksHost()) {
            findings.add(new Finding("an empty path segment not answered 404", answer.toString(), null));
        }
        if (status >= 400) {
            if (head) {
                return;
            }
            boolean jsonError = json != null && json.path("error").isTextual() && !json.path("error").asText().isBlank();
            if (!jsonError && !malformed) {
                String bug = first && status == 400 && request.hasBadPercentEncoding() ? BAD_ESCAPE_NOT_JSON : null;
                findings.add(new Finding("a " + status + " without a JSON error", answer.toString(), bug));
            }
            if (status == 405 && first) {
                String allow = answer.headers().getOrDefault("allow", "");
                if (List.of(allow.split(",\\s*")).contains(request.method())) {
                    String bug = !request.rawPath().equals(request.normalizedPath()) ? ALLOW_NAMES_OWN_METHOD : null;
                    findings.add(new Finding("a 405 that allows the method it refused", "Allow: " + allow + "; " + answer, bug));
                }
            }
            return;
        }
        if (status >= 300) {
            return;
        }
        // 2xx: only with a token that may do it
        String path = request.normalizedPath();
        if (first && !mayHaveSucceeded(request, path)) {
            findings.add(new Finding("a 2xx without the role it needs", request.token() + " token: " + answer, null));
        }
        if (head) {
            return;
        }
        if (json == null) {
            findings.add(new Finding("a 2xx whose body is not JSON", answer.toString(), null));
            return;
        }
        if (json.has("removed")) {
            findings.add(new Finding("a list was cleared", "DELETE is never sent with the admin token: " + answer, null));
        } else if (json.has("retried")) {
            checkRetryAll(request, answer, findings);
        } else if (json.has("count") && json.has("ids")) {
            recordBulk(request, json, ledger, findings);
        } else if (json.has("id") && json.has("data") && isPost(request)) {
            recordJob(request, answer, json, path, ledger, findings);
        }
    }

    /** Whether a 2xx is possible for this token: GET and HEAD with any role, job intake with write, the rest with admin. */
    private static boolean mayHaveSucceeded(FuzzRequest request, String path) {
        String method = request.method().trim(); // as the HTTP codec reads it (see isPost)
        return switch (request.token()) {
            case NONE, INVALID -> false;
            case READ -> method.equals("GET") || method.equals("HEAD");
            case WRITE -> method.equals("GET") || method.equals("HEAD") || method.equals("POST") && isIntakePath(path);
            case ADMIN, UNKNOWN -> true;
        };
    }

    /** The HTTP codec reads a method with control characters around it ("POST\0") as the method itself. */
    private static boolean isPost(FuzzRequest request) {
        return request.method().trim().equals("POST");
    }

    private static boolean isIntakePath(String path) {
        return path.equals("/jobs") || path.equals("/jobs/") || path.equals("/jobs/bulk") || path.equals("/jobs/bulk/");
    }

    /** GET or HEAD /jobs/{queueType}: a page of a list. */
    private static boolean isListing(FuzzRequest request) {
        return (request.method().equals("GET") || request.method().equals("HEAD"))
                && request.normalizedPath().matches("/jobs/(queued|processing|completed|failed|delayed)/?");
    }

    private static boolean isBulk(FuzzRequest request) {
        String path = request.normalizedPath();
        return path.equals("/jobs/bulk") || path.equals("/jobs/bulk/");
    }

    private static void checkRetryAll(FuzzRequest request, WireClient.Answer answer, List<Finding> findings) {
        if (!request.hasDotSegment() && request.normalizedPath().equals("/jobs/failed/retry")) {
            return; // the same path, with letters written as %XX: the same resource
        }
        String bug = request.hasDotSegment() ? DOT_SEGMENT_RETRY_ALL : null;
        findings.add(new Finding("retry-all from another path", request.method() + " " + request.target() + ": " + answer, bug));
    }

    private static void recordBulk(FuzzRequest request, JsonNode json, Ledger ledger, List<Finding> findings) {
        JsonNode ids = json.path("ids");
        if (!ids.isArray() || ids.size() != json.path("count").asInt(-1) || ids.isEmpty()) {
            findings.add(new Finding("a bulk answer whose ids do not match its count", json.toString(), null));
        }
        Set<String> seen = new HashSet<>();
        for (JsonNode id : ids) {
            if (!id.isTextual() || !id.asText().startsWith("job_") || !seen.add(id.asText())) {
                findings.add(new Finding("a bulk answer with a bad or repeated id", String.valueOf(id), null));
                continue;
            }
            ledger.accepted(id.asText(), "bulk " + request.target(), findings);
        }
    }

    private static void recordJob(FuzzRequest request, WireClient.Answer answer, JsonNode json, String path, Ledger ledger,
                                  List<Finding> findings) {
        String id = json.path("id").asText();
        boolean retryOne = path.matches("/jobs/failed/[^/]+/retry/?");
        if (retryOne) {
            return; // a failed job back in the queue: it was counted when it came in, and still ends in one list
        }
        if (!id.startsWith("job_") || !"queued".equals(json.path("status").asText())) {
            findings.add(new Finding("an accepted job without an id or not queued", answer.toString(), null));
            return;
        }
        String key = idempotencyKey(request);
        if (answer.status() == 200) {
            String earlier = key == null ? null : ledger.jobByIdempotencyKey.get(key);
            if (earlier == null) {
                findings.add(new Finding("a 200 from intake that no idempotency key explains", answer.toString(), null));
            } else if (!earlier.equals(id)) {
                findings.add(new Finding("an idempotency key gave another job", key + ": " + earlier + ", now " + id, null));
            }
            return;
        }
        if (key != null && ledger.jobByIdempotencyKey.containsKey(key)) {
            findings.add(new Finding("an idempotency key made a second job", key + ": " + ledger.jobByIdempotencyKey.get(key) + ", now " + id, null));
        }
        if (key != null) {
            ledger.jobByIdempotencyKey.put(key, id);
        }
        ledger.accepted(id, "POST " + request.target(), findings);
        checkDataAsSent(request, answer, findings);
    }

    /** The job's data is the body byte for byte (trimmed): the answer shows the job as it was stored. */
    private static void checkDataAsSent(FuzzRequest request, WireClient.Answer answer, List<Finding> findings) {
        byte[] received = request.receivedBody();
        if (received == null) {
            return;
        }
        String text = strictUtf8(received);
        if (text == null) {
            findings.add(new Finding("data accepted that is not what was sent",
                    "the body is not UTF-8, and was stored altered: " + answer, INVALID_UTF8_ALTERED));
            return;
        }
        String stored = "\"data\":" + text.trim() + ",\"createdAt\":";
        if (!answer.bodyText().contains(stored)) {
            findings.add(new Finding("data accepted that is not what was sent", answer.toString(), null));
        }
    }

    private static String idempotencyKey(FuzzRequest request) {
        String key = null;
        for (FuzzRequest.Header header : request.headers()) {
            if (header.name().equalsIgnoreCase("Idempotency-Key")) {
                if (key != null) {
                    return null; // given twice: which one counts is not the question here
                }
                key = header.text();
            }
        }
        return key == null || key.isEmpty() ? null : key;
    }

    static boolean hasEmptySegment(String rawPath) {
        return rawPath.contains("//") || rawPath.length() > 1 && rawPath.endsWith("/");
    }

    /** Whether a JSON parser that guesses the encoding from the first bytes would read this as UTF-16 or UTF-32. */
    static boolean looksUtf16Or32(byte[] body) {
        if (body.length >= 2 && ((body[0] & 0xff) == 0xfe && (body[1] & 0xff) == 0xff || (body[0] & 0xff) == 0xff && (body[1] & 0xff) == 0xfe)) {
            return true;
        }
        for (int i = 0; i < Math.min(4, body.length); i++) {
            if (body[i] == 0) {
                return true;
            }
        }
        return false;
    }

    /** The top-level "id" and whether there is an "invalid" field, of a record of any size or depth; null if not an object. */
    record TopLevel(String id, boolean invalid) {
    }

    private static final JsonFactory LENIENT = JsonFactory.builder().streamReadConstraints(StreamReadConstraints.builder()
            .maxNestingDepth(Integer.MAX_VALUE).maxNumberLength(Integer.MAX_VALUE).maxNameLength(Integer.MAX_VALUE)
            .maxStringLength(Integer.MAX_VALUE).build()).build();

    static TopLevel topLevel(byte[] value) {
        try (JsonParser parser = LENIENT.createParser(value)) {
            if (parser.nextToken() != JsonToken.START_OBJECT) {
                return null;
            }
            String id = null;
            boolean invalid = false;
            while (parser.nextToken() == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken token = parser.nextToken();
                if (name.equals("id") && token == JsonToken.VALUE_STRING && id == null) {
                    id = parser.getText();
                }
                invalid |= name.equals("invalid");
                parser.skipChildren();
            }
            return new TopLevel(id, invalid);
        } catch (IOException | RuntimeException notJson) {
            return null;
        }
    }

    /** Reads any JSON, of any size, depth or number length: the checks look at answers, they do not judge their limits. */
    private static final ObjectMapper LENIENT_MAPPER = new ObjectMapper(LENIENT);

    static JsonNode json(byte[] body) {
        try {
            return body.length == 0 ? null : LENIENT_MAPPER.readTree(body);
        } catch (Exception notJson) {
            return null;
        }
    }

    static String strictUtf8(byte[] bytes) {
        try {
            return StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes)).toString();
        } catch (CharacterCodingException e) {
            return null;
        }
    }

}
