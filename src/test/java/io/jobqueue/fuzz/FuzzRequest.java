package io.jobqueue.fuzz;

import java.io.ByteArrayOutputStream;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;

/**
 * One generated HTTP request, kept in parts so that a failing one can be made smaller part by part; {@link #bytes()}
 * is what goes on the wire. What a request is (whether it is valid HTTP at all, whether it is complete) is read from
 * its parts, not remembered from how it was made, so that it stays true while it is shrunk.
 *
 * @param token what the Authorization header(s) amount to, as the generator made them (see {@link Token})
 */
record FuzzRequest(String method, String target, String version, List<Header> headers, byte[] body, Framing framing,
                   Token token) {

    /** A header as bytes: values may hold bytes that are not ASCII. */
    record Header(String name, byte[] value) {
        static Header of(String name, String value) {
            return new Header(name, value.getBytes(StandardCharsets.UTF_8));
        }

        String text() {
            return new String(value, StandardCharsets.ISO_8859_1);
        }
    }

    /** How the body's length is told: truly, not at all, or as a lie. */
    enum Framing {
        /** Content-Length is the body's length. */
        EXACT,
        /** No Content-Length: any body bytes are read as the next request. */
        NONE,
        /** Content-Length shorter than the body: the rest is read as the next request. */
        SHORT,
        /** Content-Length longer than the body: the request never ends (we close our side). */
        LONG,
        /** Chunked, in chunks of random sizes. */
        CHUNKED,
        /** Chunked, without its last chunk: the request never ends (we close our side). */
        CHUNKED_UNFINISHED,
        /** Chunked and a Content-Length that does not match: HTTP says the chunks win. */
        CHUNKED_AND_LENGTH,
        /** A Content-Length far over any limit, and a short body: refused unread, or never ends. */
        HUGE
    }

    /** What the Authorization headers amount to. */
    enum Token {
        NONE, INVALID, READ, WRITE, ADMIN,
        /** Two Authorization headers, or one the server might read either way: no expectation. */
        UNKNOWN
    }

    static final int MAX_REQUEST_LINE = 4096;  // Vert.x's default: longer gets 414
    static final int MAX_HEADER_BYTES = 8192;  // Vert.x's default: more gets 431

    /** The request as sent. */
    byte[] bytes() {
        ByteArrayOutputStream out = new ByteArrayOutputStream(body.length + 512);
        out.writeBytes((method + " " + target + " " + version + "\r\n").getBytes(StandardCharsets.UTF_8));
        for (Header header : headers) {
            out.writeBytes((header.name() + ": ").getBytes(StandardCharsets.UTF_8));
            out.writeBytes(header.value());
            out.writeBytes(crlf());
        }
        switch (framing) {
            case EXACT -> line(out, "Content-Length: " + body.length);
            case NONE -> { }
            case SHORT -> line(out, "Content-Length: " + Math.max(0, body.length - 1 - body.length / 3));
            case LONG -> line(out, "Content-Length: " + (body.length + 1 + body.length / 3));
            case CHUNKED, CHUNKED_UNFINISHED -> line(out, "Transfer-Encoding: chunked");
            case CHUNKED_AND_LENGTH -> {
                line(out, "Transfer-Encoding: chunked");
                line(out, "Content-Length: " + (body.length + 7));
            }
            case HUGE -> line(out, "Content-Length: " + (100_000_000_000L + body.length));
        }
        out.writeBytes(crlf());
        if (framing == Framing.CHUNKED || framing == Framing.CHUNKED_UNFINISHED || framing == Framing.CHUNKED_AND_LENGTH) {
            // chunk sizes follow from the body's length, so that a shrunk body is still framed the same way
            int size = Math.max(1, body.length / 3 + 1);
            for (int at = 0; at < body.length; at += size) {
                int length = Math.min(size, body.length - at);
                line(out, Integer.toHexString(length));
                out.write(body, at, length);
                out.writeBytes(crlf());
            }
            if (framing != Framing.CHUNKED_UNFINISHED) {
                out.writeBytes("0\r\n\r\n".getBytes(StandardCharsets.US_ASCII));
            }
        } else {
            out.writeBytes(body);
        }
        return out.toByteArray();
    }

    private static void line(ByteArrayOutputStream out, String text) {
        out.writeBytes(text.getBytes(StandardCharsets.US_ASCII));
        out.writeBytes(crlf());
    }

    private static byte[] crlf() {
        return new byte[] {'\r', '\n'};
    }

    // ---- what the request is, read from its parts ----------------------------------------------------------------

    boolean isHead() {
        return method.equals("HEAD");
    }

    /** Whether the request never ends as sent: the server may rightly wait for the rest, so we close our side. */
    boolean isUnfinished() {
        return framing == Framing.LONG || framing == Framing.CHUNKED_UNFINISHED || framing == Framing.HUGE;
    }

    /** Whether bytes follow the request that the server reads as a next request on the connection. */
    boolean hasLeftoverBytes() {
        return body.length > 0 && (framing == Framing.SHORT || framing == Framing.NONE && !hasHandMadeLength());
    }

    /** The body as the server reads it when the request is well framed; null when it never ends or is not HTTP. */
    byte[] receivedBody() {
        if (isMalformedHttp()) {
            return null;
        }
        return switch (framing) {
            case EXACT, CHUNKED, CHUNKED_AND_LENGTH -> body;
            case SHORT -> java.util.Arrays.copyOf(body, Math.max(0, body.length - 1 - body.length / 3));
            case NONE -> hasHandMadeLength() ? body : new byte[0]; // a hand-made length that is not malformed is the body's
            default -> null;
        };
    }

    /**
     * Whether this is not a well-formed HTTP/1.x request, so that the HTTP codec (not the application) answers it, with
     * its own bodiless 400, 414, 431, 501 or 505, or closes: a method that is not a token, a target with spaces or
     * control characters, an unknown version, a header line that is not one, a control character in a header value,
     * a Content-Length that is not one number, a request line or header block over the codec's limits.
     */
    boolean isMalformedHttp() {
        if (!isToken(method) || !version.matches("HTTP/1\\.[01]") || target.isEmpty()) {
            return true;
        }
        for (char c : target.toCharArray()) {
            if (c <= 0x20 || c == 0x7f) {
                return true;
            }
        }
        if ((method + " " + target + " " + version).getBytes(StandardCharsets.UTF_8).length > MAX_REQUEST_LINE - 2) {
            return true;
        }
        int headerBytes = 0;
        List<String> lengths = new ArrayList<>();
        boolean chunked = framing == Framing.CHUNKED || framing == Framing.CHUNKED_UNFINISHED || framing == Framing.CHUNKED_AND_LENGTH;
        for (Header header : headers) {
            if (!isToken(header.name())) {
                return true;
            }
            for (byte b : header.value()) {
                if ((b >= 0 && b < 0x20 && b != '\t') || b == 0x7f) {
                    return true;
                }
            }
            headerBytes += header.name().length() + 4 + header.value().length;
            if (header.name().equalsIgnoreCase("Content-Length")) {
                lengths.add(header.text().trim());
            }
            if (header.name().equalsIgnoreCase("Transfer-Encoding")) {
                return true; // given by hand: whatever it says, the framing is not what the body is
            }
        }
        if (headerBytes > MAX_HEADER_BYTES - 200) {
            return true;
        }
        if (!lengths.isEmpty()) {
            if (framing != Framing.NONE || chunked) {
                return true; // a second Content-Length beside ours
            }
            if (!lengths.stream().allMatch(value -> value.matches("[0-9]{1,18}") && value.equals(lengths.get(0)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether an HTTP/1.1 request has no Host header (which HTTP/1.1 requires: the router answers 400 at once). */
    boolean lacksHost() {
        return version.equals("HTTP/1.1") && headers.stream().noneMatch(header -> header.name().equalsIgnoreCase("Host"));
    }

    /** Whether the HTTP version is neither 1.0 nor 1.1 (a server may answer 501 or 505 to it). */
    boolean hasUnknownVersion() {
        return !version.matches("HTTP/1\\.[01]");
    }

    /** Whether the target holds a '%' that does not start a %XX escape. */
    boolean hasBadPercentEncoding() {
        for (int i = 0; i < target.length(); i++) {
            if (target.charAt(i) == '%' && (i + 2 >= target.length() || !isHex(target.charAt(i + 1)) || !isHex(target.charAt(i + 2)))) {
                return true;
            }
        }
        return false;
    }

    /** Whether a Content-Length header was given by hand (then the framing is NONE and the header says it). */
    boolean hasHandMadeLength() {
        return headers.stream().anyMatch(header -> header.name().equalsIgnoreCase("Content-Length"));
    }

    /** The path of the target as sent, without query, scheme or authority. */
    String rawPath() {
        String path = target;
        if (path.regionMatches(true, 0, "http://", 0, 7) || path.regionMatches(true, 0, "https://", 0, 8)) {
            int slash = path.indexOf('/', path.indexOf("//") + 2);
            path = slash < 0 ? "/" : path.substring(slash);
        }
        int query = path.indexOf('?');
        return query < 0 ? path : path.substring(0, query); // a '#' is not a fragment here: clients never send one, servers keep it
    }

    /**
     * The path as a router that follows RFC 3986 sees it: %XX of unreserved characters decoded, '.' and '..' segments
     * removed. Two targets with the same normalized path name the same resource.
     */
    String normalizedPath() {
        String path = rawPath();
        StringBuilder decoded = new StringBuilder();
        for (int i = 0; i < path.length(); i++) {
            char c = path.charAt(i);
            if (c == '%' && i + 2 < path.length() && isHex(path.charAt(i + 1)) && isHex(path.charAt(i + 2))) {
                char value = (char) Integer.parseInt(path.substring(i + 1, i + 3), 16);
                if (Character.isLetterOrDigit(value) && value < 0x80 || "-._~".indexOf(value) >= 0) {
                    decoded.append(value);
                } else {
                    decoded.append(path, i, i + 3);
                }
                i += 2;
            } else {
                decoded.append(c);
            }
        }
        List<String> output = new ArrayList<>();
        String[] segments = decoded.toString().split("/", -1);
        for (int i = 1; i < segments.length; i++) {
            String segment = segments[i];
            boolean last = i == segments.length - 1;
            if (segment.equals(".")) {
                if (last) {
                    output.add("");
                }
            } else if (segment.equals("..")) {
                if (!output.isEmpty()) {
                    output.remove(output.size() - 1);
                }
                if (last) {
                    output.add("");
                }
            } else {
                output.add(segment);
            }
        }
        return "/" + String.join("/", output);
    }

    /** Whether the raw path has a '.' or '..' segment, written plainly or as %2E. */
    boolean hasDotSegment() {
        for (String segment : rawPath().split("/", -1)) {
            String decoded = segment.toLowerCase(Locale.ROOT).replace("%2e", ".");
            if (decoded.equals(".") || decoded.equals("..")) {
                return true;
            }
        }
        return false;
    }

    /** The request as text for a report: bytes that are not printable ASCII escaped, long runs cut. */
    String describe() {
        return printable(bytes(), 1500);
    }

    static String printable(byte[] bytes, int max) {
        StringBuilder out = new StringBuilder();
        int i = 0;
        while (i < bytes.length && out.length() < max) {
            int run = 1;
            while (i + run < bytes.length && bytes[i + run] == bytes[i] && run < 1_000_000) {
                run++;
            }
            String one = printable(bytes[i]);
            if (run > 8) {
                out.append(one).append("{x").append(run).append('}');
            } else {
                for (int k = 0; k < run; k++) {
                    out.append(one);
                }
            }
            i += run;
        }
        if (i < bytes.length) {
            out.append("...(").append(bytes.length).append(" bytes in all)");
        }
        return out.toString();
    }

    private static String printable(byte b) {
        int value = b & 0xff;
        if (value == '\r') {
            return "\\r";
        }
        if (value == '\n') {
            return "\\n\n";
        }
        if (value == '\\') {
            return "\\\\";
        }
        return value >= 0x20 && value < 0x7f ? String.valueOf((char) value) : String.format("\\x%02x", value);
    }

    static boolean isToken(String text) {
        if (text.isEmpty()) {
            return false;
        }
        for (char c : text.toCharArray()) {
            if (!(c < 0x7f && (Character.isLetterOrDigit(c) || "!#$%&'*+-.^_`|~".indexOf(c) >= 0))) {
                return false;
            }
        }
        return true;
    }

    private static boolean isHex(char c) {
        return Character.digit(c, 16) >= 0 && c < 0x80;
    }

    FuzzRequest withHeaders(List<Header> changed) {
        return new FuzzRequest(method, target, version, changed, body, framing, token);
    }

    FuzzRequest withBody(byte[] changed) {
        return new FuzzRequest(method, target, version, headers, changed, framing, token);
    }

    FuzzRequest withTarget(String changed) {
        return new FuzzRequest(method, changed, version, headers, body, framing, token);
    }

    FuzzRequest withFraming(Framing changed) {
        return new FuzzRequest(method, target, version, headers, body, changed, token);
    }
}
