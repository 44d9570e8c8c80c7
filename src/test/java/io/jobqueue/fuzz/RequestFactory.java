package io.jobqueue.fuzz;

import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Random;
import java.util.function.Supplier;

import io.jobqueue.fuzz.FuzzRequest.Framing;
import io.jobqueue.fuzz.FuzzRequest.Header;
import io.jobqueue.fuzz.FuzzRequest.Token;

/**
 * Makes hostile requests: each starts from one of the API's endpoints and is then bent: its method, path, query,
 * headers, body and framing each drawn from what clients get wrong or attackers try. Everything comes from the
 * seeded {@link Random}, so the same seed makes the same requests.
 */
final class RequestFactory {

    /** The tokens the application under test holds, one per role. */
    static final String READER = "fz-reader-7c1e";
    static final String WRITER = "fz-writer-2b9d";
    static final String ADMIN = "fz-admin-5a3f";

    private static final List<String> QUEUE_TYPES = List.of("queued", "processing", "completed", "failed", "delayed");
    private static final List<String> UNKNOWN_METHODS = List.of("PUT", "PATCH", "OPTIONS", "TRACE", "CONNECT", "PROPFIND",
            "BREW", "get", "Post", "delete", "X-FUZZ", "M-SEARCH", "GET\u00e9", "G ET", "", "POST\u0000", "A".repeat(300));

    private final Hostile.Limits limits;
    private final int port;
    private final Supplier<String> someFailedId;
    private final Supplier<String> someAcceptedId;
    private final List<String> usedIdempotencyKeys = new ArrayList<>();
    private int keyCounter;

    RequestFactory(Hostile.Limits limits, int port, Supplier<String> someFailedId, Supplier<String> someAcceptedId) {
        this.limits = limits;
        this.port = port;
        this.someFailedId = someFailedId;
        this.someAcceptedId = someAcceptedId;
    }

    FuzzRequest next(Random random) {
        int endpoint = random.nextInt(100);
        String method;
        String path;
        byte[] body = new byte[0];
        if (endpoint < 34) {
            method = "POST";
            path = "/jobs";
            body = Hostile.jobBody(random, limits);
        } else if (endpoint < 52) {
            method = "POST";
            path = "/jobs/bulk";
            body = Hostile.bulkBody(random, limits);
        } else if (endpoint < 58) {
            method = "POST";
            path = "/jobs/failed/retry";
        } else if (endpoint < 64) {
            method = "POST";
            path = "/jobs/failed/" + retryId(random) + "/retry";
        } else if (endpoint < 72) {
            method = "GET";
            path = "/jobs/stats";
        } else if (endpoint < 82) {
            method = "GET";
            path = "/jobs/" + Hostile.pick(random, QUEUE_TYPES);
        } else if (endpoint < 87) {
            method = "HEAD";
            path = Hostile.pick(random, List.of("/jobs/stats", "/jobs/queued", "/jobs/failed//retry", "/nowhere", "/jobs"));
        } else if (endpoint < 91) {
            method = "DELETE";
            path = "/jobs/" + Hostile.pick(random, QUEUE_TYPES);
        } else {
            method = Hostile.pick(random, UNKNOWN_METHODS);
            path = Hostile.pick(random, List.of("/jobs", "/jobs/bulk", "/jobs/stats", "/jobs/queued", "/jobs/failed/retry", "/"));
            if (random.nextBoolean()) {
                body = Hostile.jobBody(random, limits);
            }
        }
        if (random.nextInt(3) == 0) {
            path = bendPath(random, path);
        }
        String target = path + query(random, method, path);
        if (random.nextInt(60) == 0) {
            target = "http://127.0.0.1:" + port + target; // absolute form, which servers must accept
        }
        String version = random.nextInt(40) == 0
                ? Hostile.pick(random, List.of("HTTP/1.0", "HTTP/1.0", "HTTP/2.0", "HTTP/9.9", "http/1.1", "HTTP/1.1x", "HTTP/"))
                : "HTTP/1.1";
        Framing framing = framing(random, body);
        List<Header> headers = new ArrayList<>();
        if (random.nextInt(30) != 0) {
            headers.add(Header.of("Host", "127.0.0.1:" + port));
        }
        Token token = authorization(random, method, headers);
        contentType(random, headers);
        otherHeaders(random, method, path, headers);
        if (framing == Framing.NONE && random.nextInt(4) == 0) {
            headers.add(Header.of("Content-Length", handMadeLength(random, body)));
        }
        java.util.Collections.shuffle(headers, random);
        return new FuzzRequest(method, target, version, headers, body, framing, token);
    }

    // ---- path and query ----------------------------------------------------------------------------------------------

    private String retryId(Random random) {
        return switch (random.nextInt(8)) {
            case 0 -> someFailedId.get();
            case 1 -> someAcceptedId.get();
            case 2 -> "";                     // /jobs/failed//retry: must be 404, never retry-all
            case 3 -> Hostile.pick(random, List.of(".", "..", "%2e", "%2E%2E", "%2F", "a%2Fb", "%00", "%20", "%C3%A9"));
            case 4 -> "invalid_" + Math.abs(random.nextLong());
            case 5 -> "x".repeat(random.nextBoolean() ? 2000 : 5000);
            case 6 -> percentEncodeSome(random, "job_1700000000000_abcdefghi");
            default -> "job_" + Math.abs(random.nextLong() % 10_000_000_000_000L) + "_nothere00";
        };
    }

    /** The path bent as clients and attackers bend paths. */
    static String bendPath(Random random, String path) {
        String[] segments = path.split("/", -1);
        int at = 1 + random.nextInt(Math.max(1, segments.length - 1));
        return switch (random.nextInt(14)) {
            case 0 -> path.replaceFirst("/", "//");                                 // an empty segment at the front
            case 1 -> insertSegment(segments, at, "");                               // an empty segment inside
            case 2 -> path + "/";                                                    // a trailing slash
            case 3 -> insertSegment(segments, at, Hostile.pick(random, List.of(".", "..", "%2e", "%2E", "%2e%2e", ".%2E")));
            case 4 -> path + Hostile.pick(random, List.of("/.", "/..", "/%2e", "/./", "/../jobs"));
            case 5 -> percentEncodeSome(random, path);
            case 6 -> path.toUpperCase(Locale.ROOT);
            case 7 -> path + Hostile.pick(random, List.of("%zz", "%", "%4", "%%", "%G0")); // not %XX escapes
            case 8 -> path + "/" + "a".repeat(Hostile.pick(random, List.of(100, 3000, 4090, 5000)));
            case 9 -> path + "/" + Hostile.pick(random, List.of("\u00e9", "\u65e5\u672c", "\uD83D\uDE00", "%C3%A9", "%FF%FE", "%00", "%0d%0a"));
            case 10 -> path + Hostile.pick(random, List.of(";a=b", ";", "#frag", "\\", "/\\..", "%5C", "?"));
            case 11 -> path.replace("/", Hostile.pick(random, List.of("%2F", "%2f", "\\")));
            case 12 -> Hostile.pick(random, List.of("*", "", "jobs", "/", "//", "/jobs/failed//retry", "/jobs//", "/.."));
            default -> path + "/" + Hostile.pick(random, List.of("x", "retry", "failed", "bulk", "stats"));
        };
    }

    private static String insertSegment(String[] segments, int at, String segment) {
        List<String> parts = new ArrayList<>(List.of(segments));
        parts.add(Math.min(at, parts.size()), segment);
        return String.join("/", parts);
    }

    /** Some characters of the text as %XX escapes (which a router decodes when they are unreserved). */
    static String percentEncodeSome(Random random, String text) {
        StringBuilder out = new StringBuilder();
        for (char c : text.toCharArray()) {
            if (c != '/' && c < 0x80 && random.nextInt(3) == 0) {
                out.append(String.format(random.nextBoolean() ? "%%%02X" : "%%%02x", (int) c));
            } else {
                out.append(c);
            }
        }
        return out.toString();
    }

    private static final List<String> NUMBERS = List.of("", "0", "1", "2", "3", "-1", "1000", "1001", "999999",
            "9223372036854775807", "9223372036854775808", "-9223372036854775808", "99999999999999999999999", "1e3",
            "0x10", " 5", "5 ", "%205", "+5", "1.5", "abc", "%00", "\u0661\u0662", "%D9%A1", "NaN", "null", "[1]");

    /**
     * Whether to send timeoutMs values under a second (on: BUG-8, an attempt timed out before its thread started that
     * kept its permit, is fixed; -Dfuzz.tiny-timeouts=false leaves them out).
     */
    static final boolean TINY_TIMEOUTS = !"false".equals(System.getProperty("fuzz.tiny-timeouts"));

    /** The value, unless it is a timeoutMs under a second as the server would read it and those are off (BUG-8). */
    static String timeoutSafe(String name, String value) {
        if (TINY_TIMEOUTS || !name.equalsIgnoreCase("timeoutMs")) {
            return value;
        }
        try {
            long number = Long.parseLong(java.net.URLDecoder.decode(value, StandardCharsets.UTF_8).trim());
            return number >= 1 && number < 1000 ? "1000" : value;
        } catch (RuntimeException notANumber) {
            return value;
        }
    }

    private static String query(Random random, String method, String path) {
        int parameters = random.nextInt(3) == 0 ? 1 + random.nextInt(3) : 0;
        if (parameters == 0) {
            return random.nextInt(40) == 0 ? Hostile.pick(random, List.of("?", "?&", "?=", "?%zz", "?a=%", "#x")) : "";
        }
        List<String> names = path.startsWith("/jobs/") && method.equals("GET")
                ? List.of("start", "count", "start", "count", "START", "maxAttempts")
                : List.of("maxAttempts", "timeoutMs", "maxAttempts", "timeoutMs", "MAXATTEMPTS", "count", "x");
        StringBuilder query = new StringBuilder();
        for (int i = 0; i < parameters; i++) {
            query.append(i == 0 ? '?' : '&');
            String name = Hostile.pick(random, names);
            query.append(name);
            if (random.nextInt(15) != 0) {
                query.append('=').append(timeoutSafe(name, Hostile.pick(random, NUMBERS).replace(" ", "%20")));
            }
            if (random.nextInt(10) == 0) {
                query.append('&').append(name).append('=') // given twice
                        .append(timeoutSafe(name, Hostile.pick(random, NUMBERS).replace(" ", "%20")));
            }
        }
        if (random.nextInt(30) == 0) {
            query.append("&junk=").append("z".repeat(Hostile.pick(random, List.of(1000, 4000, 9000))));
        }
        return query.toString();
    }

    // ---- headers and framing -----------------------------------------------------------------------------------------

    private static Framing framing(Random random, byte[] body) {
        if (body.length == 0) {
            return random.nextInt(6) == 0 ? Framing.NONE : Framing.EXACT;
        }
        int choice = random.nextInt(40);
        if (choice < 30) {
            return Framing.EXACT;
        }
        return switch (choice) {
            case 30, 31 -> Framing.CHUNKED;
            case 32 -> Framing.CHUNKED_UNFINISHED;
            case 33 -> Framing.CHUNKED_AND_LENGTH;
            case 34, 35 -> Framing.SHORT;
            case 36 -> Framing.LONG;
            case 37 -> Framing.HUGE;
            default -> Framing.NONE;
        };
    }

    private static String handMadeLength(Random random, byte[] body) {
        // the true length (with or without a space before it), or one that is not a length at all: a hand-made length
        // that lies about the body would leave the end checks unsure whether a job came of it
        return Hostile.pick(random, List.of(String.valueOf(body.length), " " + body.length, "-1", "abc",
                "99999999999999999999", "0x10", ""));
    }

    /**
     * Adds Authorization (or not) and says what it amounts to. DELETE never gets the admin token: clearing a list would
     * take accepted jobs out of it, and the end check (every accepted job in exactly one list) could no longer be made.
     * The clearing route's only input is the queue type, which GET /jobs/{queueType} reads the same way.
     */
    private static Token authorization(Random random, String method, List<Header> headers) {
        boolean mayAdmin = !method.toUpperCase(Locale.ROOT).equals("DELETE");
        int choice = random.nextInt(100);
        if (choice < 58) {
            if (mayAdmin) {
                headers.add(Header.of("Authorization", bearer(random) + ADMIN));
                return Token.ADMIN;
            }
            choice = 60;
        }
        if (choice < 68) {
            headers.add(Header.of("Authorization", bearer(random) + WRITER));
            return Token.WRITE;
        }
        if (choice < 76) {
            headers.add(Header.of("Authorization", bearer(random) + READER));
            return Token.READ;
        }
        if (choice < 82) {
            return Token.NONE;
        }
        if (choice < 84) {
            headers.add(Header.of("Authorization", "Bearer " + (random.nextBoolean() ? WRITER : READER)));
            headers.add(Header.of("Authorization", "Bearer " + (mayAdmin ? ADMIN : WRITER)));
            return Token.UNKNOWN;
        }
        String token = mayAdmin ? ADMIN : WRITER;
        headers.add(new Header("Authorization", Hostile.pick(random, List.of(
                ("Basic " + token).getBytes(StandardCharsets.UTF_8),
                "Bearer".getBytes(StandardCharsets.UTF_8),
                "Bearer ".getBytes(StandardCharsets.UTF_8),
                ("Bearer" + token).getBytes(StandardCharsets.UTF_8),
                ("Token " + token).getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token + "x").getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token.substring(1)).getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token.toUpperCase(Locale.ROOT)).getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token + "\u00e9").getBytes(StandardCharsets.UTF_8),
                ("Bearer \u00e9\u00e8" + token).getBytes(StandardCharsets.ISO_8859_1),
                ("Bearer " + "t".repeat(6000)).getBytes(StandardCharsets.UTF_8),
                ("Bearer " + token + "\u0000").getBytes(StandardCharsets.UTF_8)))));
        return Token.INVALID;
    }

    /** "Bearer " in any letter case, with any spaces before the token (the server trims them). */
    private static String bearer(Random random) {
        return Hostile.pick(random, List.of("Bearer ", "Bearer ", "Bearer ", "bearer ", "BEARER ", "Bearer   ", "bEaReR "));
    }

    private static void contentType(Random random, List<Header> headers) {
        int choice = random.nextInt(24);
        if (choice < 5) {
            return;
        }
        String type = switch (choice) {
            case 5, 6, 7, 8, 9 -> "application/json";
            case 10 -> "APPLICATION/JSON; charset=UTF-8";
            case 11 -> "application/x-www-form-urlencoded";
            case 12 -> "Application/X-WWW-Form-URLEncoded; charset=utf-8";
            case 13 -> "multipart/form-data; boundary=xyz";
            case 14 -> "MULTIPART/mixed";
            case 15 -> "text/plain";
            case 16 -> "application/x-ndjson";
            case 17 -> "application/json; charset=utf-16";
            case 18 -> "";
            case 19 -> "*/*";
            case 20 -> "application/xml";
            case 21 -> "application/json" + ";x=".repeat(200);
            case 22 -> "t\u00ebxt/\u00e9";
            default -> "application/x-www-form-urlencodedX";
        };
        headers.add(Header.of("Content-Type", type));
        if (random.nextInt(25) == 0) {
            headers.add(Header.of("Content-Type", "multipart/form-data")); // given twice: which one counts?
        }
    }

    private void otherHeaders(Random random, String method, String path, List<Header> headers) {
        if (method.equals("POST") && random.nextInt(4) == 0) {
            headers.add(idempotencyKey(random));
        }
        int extras = random.nextInt(4) == 0 ? 1 + random.nextInt(3) : 0;
        for (int i = 0; i < extras; i++) {
            headers.add(Hostile.pick(random, List.of(
                    Header.of("Connection", "close"),
                    Header.of("Connection", "keep-alive"),
                    Header.of("Connection", "Upgrade"),
                    Header.of("Upgrade", "h2c"),
                    Header.of("Expect", "100-continue"),
                    Header.of("Expect", "999-nonsense"),
                    Header.of("X-HTTP-Method-Override", "DELETE"),
                    Header.of("X-Forwarded-For", "10.0.0.1"),
                    Header.of("Accept", "application/xml"),
                    Header.of("Accept-Encoding", "gzip, br"),
                    Header.of("Content-Encoding", "gzip"),
                    Header.of("Cookie", "a=" + "b".repeat(100)),
                    Header.of("X-Big", "v".repeat(Hostile.pick(random, List.of(100, 4000, 9000)))),
                    Header.of("JobId", "job_forged"),
                    Header.of("CamelHttpResponseCode", "500"),
                    Header.of("CamelHttpUri", "/jobs/failed/retry"),
                    Header.of("queueType", "failed"),
                    Header.of("maxAttempts", "0"),
                    Header.of("X Bad Name", "1"),
                    Header.of("X-Ctl", "a\u0001b"),
                    new Header("X-Latin", new byte[] {(byte) 0xe9, (byte) 0xff, 'x'}))));
        }
    }

    private Header idempotencyKey(Random random) {
        int choice = random.nextInt(12);
        String key;
        if (choice < 5 || usedIdempotencyKeys.isEmpty()) {
            key = "fz-key-" + (++keyCounter) + "-" + Long.toHexString(random.nextLong());
            usedIdempotencyKeys.add(key);
        } else if (choice < 8) {
            key = Hostile.pick(random, usedIdempotencyKeys); // a retry of an earlier request: the job it made, once
        } else {
            return switch (choice) {
                case 8 -> Header.of("Idempotency-Key", "k".repeat(random.nextBoolean() ? 200 : 201));
                case 9 -> new Header("Idempotency-Key", ("cl\u00e9-" + keyCounter).getBytes(StandardCharsets.UTF_8));
                case 10 -> Header.of("Idempotency-Key", "with space " + keyCounter);
                default -> Header.of("Idempotency-Key", "");
            };
        }
        return Header.of("Idempotency-Key", key);
    }
}
