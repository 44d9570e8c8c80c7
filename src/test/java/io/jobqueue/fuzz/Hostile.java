package io.jobqueue.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.Random;

import io.jobqueue.job.JobJson;

/**
 * Job data as a hostile client would send it, made from a seeded {@link Random} so that a run can be repeated: valid
 * data, data at, just under and just over the parser's limits (nesting depth, number length, name length), duplicate
 * keys, sizes around the body and job limits, and byte-level mutations of any of them (truncation, bit flips, bytes
 * that are not UTF-8, NUL bytes, other encodings).
 */
final class Hostile {

    /** The limits the application under test was given, so that sizes can be aimed just under and over them. */
    record Limits(int maxBodyBytes, int maxBulkBodyBytes, int maxJobBytes, int maxBulkJobs) {
    }

    /** Jackson's defaults, which the API keeps: past them a value is refused. */
    static final int MAX_DEPTH = JobJson.MAX_DATA_DEPTH;
    static final int MAX_NUMBER_CHARS = 1000;
    static final int MAX_NAME_CHARS = 50_000;

    /** Valid job data a client might really send: the seeds the mutations start from. */
    private static final List<String> SEEDS = List.of(
            "{\"task\":\"process_payment\",\"amount\":100}",
            "{\"task\":\"process_payment\",\"amount\":2.50}", // not under 1: BUG-9 fails those for good
            "{\"task\":\"send_email\",\"to\":\"user@example.com\",\"subject\":\"Hello\"}",
            "{\"n\":1}",
            "{}",
            "{\"text\":\"\\u00fcn\\u00efc\\u00f6d\\u00e9 \u2713 \uD834\uDD1E \\u0000 \\\"quoted\\\"\",\"list\":[1,2.50,-0,1e10,true,false,null]}",
            "{\"big\":12345678901234567890123,\"dec\":1.10,\"neg\":-0.0,\"exp\":1E+300}",
            "{\"nested\":{\"a\":[1,{\"b\":null,\"c\":[[],{}]}],\"task\":{\"not\":\"a string\"}}}",
            "{\"task\":\"\",\"\":\"empty name\",\"\\u0000\":\"nul name\"}",
            "{ \"spaced\" :\t[ 1 ,\r\n 2 ] }");

    private static final String[] KEYS = {"a", "task", "n", "data", "id", "\u00e9", "\uD83D\uDE00", "", "k\\u0000", "__proto__", "$ref"};

    private Hostile() {
    }

    // ---- job data as text ------------------------------------------------------------------------------------------

    /** Valid job data: a seed or a random object (small, with every kind of JSON value in it). */
    static String validData(Random random) {
        return random.nextInt(3) == 0 ? pick(random, SEEDS) : randomObject(random, 0);
    }

    /** Data at, just under or just over one of the parser's limits, or with a key given twice. */
    static String atALimit(Random random, Limits limits) {
        return switch (random.nextInt(6)) {
            case 0 -> nested(random, aroundLimit(random, MAX_DEPTH, 5000));
            case 1 -> "{\"n\":" + longNumber(random, aroundLimit(random, MAX_NUMBER_CHARS, 20_000)) + "}";
            case 2 -> "{\"" + "k".repeat(aroundLimit(random, MAX_NAME_CHARS, 60_000)) + "\":1}";
            case 3 -> duplicateKeys(random);
            case 4 -> sized(random, aroundLimit(random, limits.maxJobBytes() - 100, limits.maxBodyBytes()), false);
            default -> sized(random, aroundLimit(random, limits.maxBodyBytes(), limits.maxBodyBytes() + 4096), false);
        };
    }

    /** A body for POST /jobs as bytes: mostly data, valid or at a limit, often mutated; now and then not an object. */
    static byte[] jobBody(Random random, Limits limits) {
        int kind = random.nextInt(20);
        if (kind < 7) {
            return utf8(validData(random));
        }
        if (kind < 11) {
            return utf8(atALimit(random, limits));
        }
        if (kind < 17) {
            return mutate(random, utf8(random.nextInt(4) == 0 ? atALimit(random, limits) : validData(random)));
        }
        return utf8(pick(random, List.of("", " \r\n\t ", "null", "[]", "[{}]", "\"text\"", "1", "true", "{}{}",
                "{} x", "{\"a\":1}\n{\"b\":2}", "{\"a\":1,}", "{'a':1}", "{a:1}", "{\"a\":NaN}", "{\"a\":01}",
                "/* c */{}", "{\"a\":1}//", "\uFEFF{}")));
    }

    /**
     * A body for POST /jobs/bulk: a JSON array or NDJSON of job bodies (some hostile), around the job-count limit now
     * and then, or near the bulk body limit; sometimes mutated as a whole.
     */
    static byte[] bulkBody(Random random, Limits limits) {
        int count = switch (random.nextInt(10)) {
            case 0 -> aroundLimit(random, limits.maxBulkJobs(), limits.maxBulkJobs() + 10);
            case 1 -> 0;
            default -> 1 + random.nextInt(6);
        };
        boolean large = random.nextInt(25) == 0; // near the bulk body limit: few, large elements
        boolean array = random.nextBoolean();
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        if (array) {
            out.writeBytes(utf8(pick(random, List.of("[", "[", " [\n", "[[]"))));
        }
        for (int i = 0; i < count; i++) {
            if (i > 0) {
                out.writeBytes(utf8(array ? pick(random, List.of(",", ", ", ",\n", ",,", "")) : pick(random, List.of("\n", "\r\n", "\n\n", " ", ""))));
            }
            byte[] element;
            if (large) {
                element = utf8(sized(random, limits.maxBulkBodyBytes() / Math.max(1, Math.min(count, 8)) - random.nextInt(64), false));
            } else if (random.nextInt(6) == 0) {
                element = jobBody(random, limits);
            } else {
                element = utf8(validData(random));
            }
            out.writeBytes(array ? element : singleLine(element));
        }
        if (array) {
            out.writeBytes(utf8(pick(random, List.of("]", "]", "]\n", ",]", "]]", "] x", ""))));
        }
        byte[] body = out.toByteArray();
        return random.nextInt(5) == 0 ? mutate(random, body) : body;
    }

    /** NDJSON keeps an element on one line when its own line breaks are only whitespace; anything else stays as is. */
    private static byte[] singleLine(byte[] element) {
        byte[] copy = element.clone();
        for (int i = 0; i < copy.length; i++) {
            if (copy[i] == '\n' || copy[i] == '\r') {
                copy[i] = ' ';
            }
        }
        return copy;
    }

    // ---- values for the queue, as another client would LPUSH them -------------------------------------------------

    /** A job as the seed's producers write it, under the given id, with valid data (may carry its own options). */
    static String envelope(Random random, String id) {
        StringBuilder job = new StringBuilder();
        String data = random.nextInt(8) == 0 ? atALimitButAccepted(random) : validData(random);
        // the id is not always first: a script must then decode the value to find it
        boolean idFirst = random.nextInt(4) != 0;
        job.append('{');
        if (idFirst) {
            job.append("\"id\":").append(quote(id)).append(',');
        }
        job.append("\"data\":").append(data);
        if (random.nextBoolean()) {
            job.append(",\"createdAt\":\"2024-01-01T10:00:00.000Z\"");
        }
        job.append(",\"status\":\"queued\"");
        switch (random.nextInt(4)) {
            case 0 -> job.append(",\"attempts\":0");
            case 1 -> job.append(",\"attempts\":null");
            case 2 -> job.append(",\"attempts\":").append(random.nextInt(2));
            default -> { }
        }
        if (random.nextInt(5) == 0) {
            job.append(",\"maxAttempts\":").append(1 + random.nextInt(5)); // bounded: a job that fails must end soon
        }
        if (random.nextInt(8) == 0) {
            String timeout = pick(random, List.of("1", "5", "60000", "0", "-1", "1e3", "9223372036854775807"));
            job.append(",\"timeoutMs\":").append(RequestFactory.timeoutSafe("timeoutMs", timeout)); // BUG-8
        }
        if (random.nextInt(6) == 0) {
            job.append(",\"extra\":").append(randomValue(random, 2)); // fields unknown to the worker are kept
        }
        if (!idFirst) {
            job.append(",\"id\":").append(quote(id));
        }
        return job.append('}').toString();
    }

    /** Data the API would take (within every limit) that is still unusual: as deep, long and wide as allowed. */
    private static String atALimitButAccepted(Random random) {
        return switch (random.nextInt(3)) {
            case 0 -> nested(random, MAX_DEPTH - random.nextInt(3));
            case 1 -> "{\"n\":1" + "7".repeat(MAX_NUMBER_CHARS - 1 - random.nextInt(3)) + "}"; // a whole number: no form question
            default -> "{\"" + "k".repeat(MAX_NAME_CHARS - random.nextInt(3)) + "\":1}";
        };
    }

    /**
     * A value that may or may not be a job: a job envelope (under its own fresh id) broken at a limit or mutated, or
     * bytes that are not JSON or not text at all.
     */
    static Pushed hostileValue(Random random, String id, Limits limits) {
        int kind = random.nextInt(12);
        // random bytes, nothing, the literals below (each is not a job: see its reason) and other encodings (bytes that
        // are not UTF-8, or NUL characters outside strings) are certainly not jobs; the rest may or may not be
        return new Pushed(hostileBytes(random, kind, id, limits), kind <= 2 || kind == 6);
    }

    /** A value for the queue, and whether it is certainly not a job (the rest may be, or may not). */
    record Pushed(byte[] value, boolean certainlyNotAJob) {
    }

    private static byte[] hostileBytes(Random random, int kind, String id, Limits limits) {
        return switch (kind) {
            case 0 -> randomBytes(random, random.nextInt(64));
            case 1 -> new byte[0];
            case 2 -> utf8(pick(random, List.of("null", "[1,2,3]", "\"text\"", "{}", // not objects, or no id
                    "{\"id\":7}", "{\"id\":\"\"}", "{\"id\":null,\"data\":{}}", "{\"id\":[\"x\"]}", // no id string
                    "{\"id\":" + quote(id) + ",\"attempts\":\"3\"}", "{\"id\":" + quote(id) + ",\"attempts\":1.5}", // attempts
                    "{\"id\":" + quote(id) + ",\"id\":" + quote(id) + "}", // a key twice
                    "{\"id\":" + quote(id) + "}x", "{\"id\":" + quote(id)))); // not one JSON object
            case 3 -> utf8("{\"id\":" + quote(id) + ",\"data\":" + atALimit(random, limits) + ",\"attempts\":0}");
            case 4 -> utf8("{\"id\":" + quote(id) + ",\"data\":" + nested(random, aroundLimit(random, MAX_DEPTH + 8, 100_000)) + "}");
            case 5 -> utf8("{\"id\":" + quote(id) + ","
                    + sized(random, aroundLimit(random, limits.maxJobBytes(), limits.maxJobBytes() + 70_000), true).substring(1));
            case 6 -> encoded(random, utf8(envelope(random, id)));
            default -> mutate(random, utf8(envelope(random, id)));
        };
    }

    // ---- building blocks ---------------------------------------------------------------------------------------------

    /** Data {@code depth} levels deep in all (the object around it counts), of arrays, objects or both. */
    static String nested(Random random, int depth) {
        int inner = Math.max(0, depth - 1);
        return switch (random.nextInt(3)) {
            case 0 -> "{\"a\":" + "[".repeat(inner) + "]".repeat(inner) + "}";
            case 1 -> "{\"a\":".repeat(inner) + "{}" + "}".repeat(inner);
            default -> {
                StringBuilder open = new StringBuilder("{\"a\":");
                StringBuilder close = new StringBuilder();
                for (int i = 1; i < inner; i++) {
                    boolean object = (i & 1) == 0;
                    open.append(object ? "{\"b\":" : "[");
                    close.insert(0, object ? "}" : "]");
                }
                yield open + "1" + close + "}";
            }
        };
    }

    /** A number of about {@code chars} characters, in one of JSON's forms. */
    static String longNumber(Random random, int chars) {
        String digits = "1" + "7".repeat(Math.max(0, chars - 1));
        return switch (random.nextInt(5)) {
            case 0 -> digits;
            case 1 -> "-" + digits;
            case 2 -> "0." + digits;
            case 3 -> digits.substring(0, digits.length() / 2) + "." + digits.substring(digits.length() / 2);
            default -> "1e" + digits;
        };
    }

    /** An object with a key twice: at the top, nested, in an array, or spelled once with an escape. */
    static String duplicateKeys(Random random) {
        return pick(random, List.of(
                "{\"a\":1,\"a\":2}",
                "{\"task\":\"send_email\",\"task\":\"process_payment\",\"amount\":5}",
                "{\"x\":{\"k\":1,\"k\":1}}",
                "{\"list\":[{\"k\":1},{\"k\":1,\"k\":2}]}",
                "{\"a\":1,\"\\u0061\":2}",
                "{\"a\":1,\"A\":2}", // not a duplicate: names are case-sensitive
                "{\"\":1,\"\":2}"));
    }

    /** An object of about {@code bytes} bytes of UTF-8: one long string, ASCII or not. */
    static String sized(Random random, int bytes, boolean forceAscii) {
        int room = Math.max(0, bytes - 10);
        String filler;
        if (forceAscii || random.nextBoolean()) {
            filler = "x".repeat(room);
        } else {
            filler = "\u00e9".repeat(room / 2) + (room % 2 == 1 ? "x" : ""); // two bytes each
        }
        return "{\"s\":\"" + filler + "\"}";
    }

    /** A number near {@code limit}: just under, at, just over, or far past it ({@code far}). */
    static int aroundLimit(Random random, int limit, int far) {
        return switch (random.nextInt(6)) {
            case 0 -> limit - 1 - random.nextInt(3);
            case 1, 2 -> limit;
            case 3 -> limit + 1;
            case 4 -> limit + 1 + random.nextInt(8);
            default -> far;
        };
    }

    static String randomObject(Random random, int depth) {
        StringBuilder out = new StringBuilder("{");
        int fields = random.nextInt(depth == 0 ? 6 : 3);
        java.util.Set<String> used = new java.util.HashSet<>();
        for (int i = 0; i < fields; i++) {
            String key = random.nextInt(3) == 0 ? pick(random, List.of(KEYS)) : randomText(random, 8);
            if (!used.add(unescapedKey(key))) {
                continue; // a valid object has each key once; duplicates are made on purpose elsewhere
            }
            if (out.length() > 1) {
                out.append(',');
            }
            out.append(key.contains("\\") ? "\"" + key + "\"" : quote(key)).append(':').append(randomValue(random, depth + 1));
        }
        return out.append('}').toString();
    }

    private static String unescapedKey(String key) {
        return key.replace("\\u0000", "\u0000");
    }

    static String randomValue(Random random, int depth) {
        int kind = random.nextInt(depth > 3 ? 4 : 6);
        return switch (kind) {
            case 0 -> quote(randomText(random, 24));
            case 1 -> randomNumber(random);
            case 2 -> pick(random, List.of("true", "false", "null"));
            case 3 -> pick(random, List.of("\"\\ud800\"", "\"\\udc00\\ud800\"", "\"\\u0000\\u001f\\\\\\/\\b\\f\\n\\r\\t\"", "\"\u2028\u2029\""));
            case 4 -> randomObject(random, depth);
            default -> {
                StringBuilder array = new StringBuilder("[");
                int items = random.nextInt(4);
                for (int i = 0; i < items; i++) {
                    array.append(i == 0 ? "" : ",").append(randomValue(random, depth + 1));
                }
                yield array.append(']').toString();
            }
        };
    }

    static String randomNumber(Random random) {
        return pick(random, List.of("0", "-0", "1", "-1", "2147483648", "-9223372036854775809", "9223372036854775808",
                "1.10", "0.1", "1e308", "1e309", "-1e-400", "1E+2", "123456789012345678901234567890", "5e-324",
                String.valueOf(random.nextLong()), String.valueOf(random.nextDouble())));
    }

    /** Text of up to {@code max} characters: ASCII, accents, emoji (surrogate pairs), right-to-left, controls. */
    static String randomText(Random random, int max) {
        int length = random.nextInt(max + 1);
        StringBuilder text = new StringBuilder();
        for (int i = 0; i < length; i++) {
            switch (random.nextInt(8)) {
                case 0 -> text.append((char) (0xa0 + random.nextInt(0x2000)));
                case 1 -> text.appendCodePoint(0x1F300 + random.nextInt(0x300));
                case 2 -> text.append((char) (0x0590 + random.nextInt(0x100)));
                case 3 -> text.append((char) random.nextInt(0x20)); // a control character: escaped by quote()
                default -> text.append((char) ('a' + random.nextInt(26)));
            }
        }
        return text.toString();
    }

    // ---- byte-level mutations ----------------------------------------------------------------------------------------

    /** One to three mutations of the bytes: what a broken client, a proxy or a cosmic ray would make of them. */
    static byte[] mutate(Random random, byte[] input) {
        byte[] bytes = input;
        int rounds = 1 + random.nextInt(3);
        for (int round = 0; round < rounds; round++) {
            bytes = mutateOnce(random, bytes);
        }
        return bytes;
    }

    private static byte[] mutateOnce(Random random, byte[] bytes) {
        int at = bytes.length == 0 ? 0 : random.nextInt(bytes.length);
        return switch (random.nextInt(11)) {
            case 0 -> java.util.Arrays.copyOf(bytes, at); // truncated
            case 1 -> {
                byte[] flipped = bytes.clone();
                if (flipped.length > 0) {
                    flipped[at] ^= (byte) (1 << random.nextInt(8));
                }
                yield flipped;
            }
            case 2 -> insert(bytes, at, new byte[] {pickByte(random)});
            case 3 -> insert(bytes, at, pick(random, List.of(
                    new byte[] {(byte) 0xc0, (byte) 0x80},             // overlong NUL
                    new byte[] {(byte) 0xed, (byte) 0xa0, (byte) 0x80}, // a UTF-16 surrogate, as UTF-8
                    new byte[] {(byte) 0xf4, (byte) 0x90, (byte) 0x80, (byte) 0x80}, // past U+10FFFF
                    new byte[] {(byte) 0xe2, (byte) 0x82},             // cut short
                    new byte[] {(byte) 0x80},                          // a lone continuation byte
                    new byte[] {(byte) 0xfe, (byte) 0xff},
                    new byte[] {0})));
            case 4 -> bytes.length == 0 ? bytes : remove(bytes, at, 1 + random.nextInt(Math.min(8, bytes.length - at)));
            case 5 -> {
                int length = bytes.length == 0 ? 0 : 1 + random.nextInt(Math.min(64, bytes.length - at));
                yield insert(bytes, at, java.util.Arrays.copyOfRange(bytes, at, at + length)); // a slice twice
            }
            case 6 -> insert(bytes, at, utf8(pick(random, List.of("\"", "\\", "{", "}", "[", "]", ",", ":", "\\u", "\"a\":1,", "\n", "\r\n", "\t"))));
            case 7 -> encoded(random, bytes);
            case 8 -> insert(bytes, bytes.length, utf8(pick(random, List.of(" ", "\n", "x", "}", "{}", "\u0000", " // trailing"))));
            case 9 -> insert(bytes, 0, pick(random, List.of(new byte[] {(byte) 0xef, (byte) 0xbb, (byte) 0xbf}, utf8(" \t\r\n"), new byte[] {0})));
            default -> replaceDigit(random, bytes);
        };
    }

    /** The same text in another encoding (UTF-16 or UTF-32, with or without a byte-order mark). */
    static byte[] encoded(Random random, byte[] utf8) {
        String text = new String(utf8, StandardCharsets.UTF_8);
        Charset charset = pick(random, List.of(StandardCharsets.UTF_16LE, StandardCharsets.UTF_16BE,
                Charset.forName("UTF-32BE"), Charset.forName("UTF-32LE")));
        String withMark = random.nextBoolean() ? "\uFEFF" + text : text;
        return withMark.getBytes(charset);
    }

    private static byte[] replaceDigit(Random random, byte[] bytes) {
        byte[] copy = bytes.clone();
        for (int i = 0; i < copy.length; i++) {
            int at = (i + random.nextInt(Math.max(1, copy.length))) % copy.length;
            if (copy[at] >= '0' && copy[at] <= '9') {
                copy[at] = (byte) pick(random, List.of('-', '.', 'e', '9', 'x', ' ')).charValue();
                return copy;
            }
        }
        return copy;
    }

    private static byte pickByte(Random random) {
        return switch (random.nextInt(4)) {
            case 0 -> 0;
            case 1 -> (byte) 0xff;
            case 2 -> (byte) (0x80 + random.nextInt(0x80));
            default -> (byte) random.nextInt(0x20);
        };
    }

    static byte[] randomBytes(Random random, int length) {
        byte[] bytes = new byte[length];
        random.nextBytes(bytes);
        return bytes;
    }

    static byte[] insert(byte[] bytes, int at, byte[] inserted) {
        byte[] out = new byte[bytes.length + inserted.length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(inserted, 0, out, at, inserted.length);
        System.arraycopy(bytes, at, out, at + inserted.length, bytes.length - at);
        return out;
    }

    static byte[] remove(byte[] bytes, int at, int length) {
        byte[] out = new byte[bytes.length - length];
        System.arraycopy(bytes, 0, out, 0, at);
        System.arraycopy(bytes, at + length, out, at, bytes.length - at - length);
        return out;
    }

    // ---- small helpers -----------------------------------------------------------------------------------------------

    static String quote(String text) {
        return JobJson.write(text);
    }

    static byte[] utf8(String text) {
        return text.getBytes(StandardCharsets.UTF_8);
    }

    static <T> T pick(Random random, List<T> options) {
        return options.get(random.nextInt(options.size()));
    }
}
