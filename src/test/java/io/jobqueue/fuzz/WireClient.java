package io.jobqueue.fuzz;

import java.io.BufferedInputStream;
import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;

/**
 * Sends one request as exact bytes on a fresh connection and reads what comes back, answer by answer: the fuzzer's
 * requests are ones no HTTP client library would send (lying lengths, unknown methods, bytes that are not text).
 * The request is written on a thread of its own while this one reads, so that a server that answers before it has
 * read the body (413) and then closes is seen answering, not as a failed write.
 */
final class WireClient {

    /** What came back on one connection. */
    record Exchange(List<Answer> answers, boolean closedByServer, boolean timedOut, String readProblem) {
        Answer first() {
            return answers.isEmpty() ? null : answers.get(0);
        }
    }

    /** One HTTP answer; header names in lower case. */
    record Answer(int status, Map<String, String> headers, byte[] body) {
        String bodyText() {
            return new String(body, StandardCharsets.UTF_8);
        }

        @Override
        public String toString() {
            String text = bodyText();
            return status + " " + (text.length() > 300 ? text.substring(0, 300) + "..." : text);
        }
    }

    private static final ExecutorService WRITERS = Executors.newCachedThreadPool(task -> {
        Thread thread = new Thread(task, "fuzz-writer");
        thread.setDaemon(true);
        return thread;
    });

    private WireClient() {
    }

    /**
     * @param request        the bytes to send
     * @param headRequest    whether the request is a HEAD (its answer has headers only, whatever Content-Length says)
     * @param moreAnswers    whether to go on reading after the first answer (the request's bytes hold more than one
     *                       request, as when a Content-Length is shorter than the body sent)
     * @param halfClose      whether to shut our side down after sending (the request is incomplete: without it, the
     *                       server would rightly wait for the rest)
     * @param answerTimeoutMs how long to wait for the first answer
     */
    static Exchange send(int port, byte[] request, boolean headRequest, boolean moreAnswers, boolean halfClose,
                         int answerTimeoutMs) throws IOException {
        try (Socket socket = new Socket("127.0.0.1", port)) {
            socket.setSoTimeout(answerTimeoutMs);
            socket.setSoLinger(true, 0); // a reset on close, so that thousands of tries leave no TIME_WAIT behind
            OutputStream out = socket.getOutputStream();
            Future<?> written = WRITERS.submit(() -> {
                try {
                    out.write(request);
                    out.flush();
                    if (halfClose) {
                        socket.shutdownOutput();
                    }
                } catch (IOException refusedMidway) {
                    // the server answered and closed before taking it all: the answer is what counts
                }
                return null;
            });
            InputStream in = new BufferedInputStream(socket.getInputStream(), 65536);
            List<Answer> answers = new ArrayList<>();
            boolean closed = false;
            boolean timedOut = false;
            String problem = null;
            try {
                while (true) {
                    Answer answer = readAnswer(in, headRequest);
                    if (answer == null) {
                        closed = true;
                        break;
                    }
                    if (answer.status() >= 100 && answer.status() < 200) {
                        continue; // 100 Continue: the real answer follows
                    }
                    answers.add(answer);
                    if (!moreAnswers) {
                        break;
                    }
                    if (answers.size() == 1) {
                        // the rest of the bytes is read as a next request: closing our side ends it, so that the
                        // server answers it, or closes, at once
                        awaitQuietly(written);
                        socket.shutdownOutput();
                        socket.setSoTimeout(3000);
                    }
                }
            } catch (SocketTimeoutException e) {
                timedOut = true;
            } catch (EOFException e) {
                closed = true;
                problem = "the connection closed in the middle of an answer";
            } catch (IOException e) {
                closed = true; // a reset
                if (!answers.isEmpty() || !e.getMessage().contains("reset")) {
                    problem = e.toString();
                }
            }
            written.cancel(true);
            return new Exchange(answers, closed, timedOut, problem);
        }
    }

    private static void awaitQuietly(Future<?> written) {
        try {
            written.get(10, TimeUnit.SECONDS);
        } catch (Exception e) {
            // sent or not, what comes back is the answer
        }
    }

    /** One answer, or null when the connection ended before its first byte. */
    private static Answer readAnswer(InputStream in, boolean headRequest) throws IOException {
        String statusLine = readLine(in, true);
        if (statusLine == null) {
            return null;
        }
        if (!statusLine.startsWith("HTTP/") || statusLine.length() < 12) {
            throw new IOException("not an HTTP answer: " + statusLine);
        }
        int status = Integer.parseInt(statusLine.substring(9, 12));
        Map<String, String> headers = new LinkedHashMap<>();
        for (String line = readLine(in, false); !line.isEmpty(); line = readLine(in, false)) {
            int colon = line.indexOf(':');
            if (colon > 0) {
                headers.merge(line.substring(0, colon).trim().toLowerCase(Locale.ROOT), line.substring(colon + 1).trim(),
                        (a, b) -> a + ", " + b);
            }
        }
        byte[] body;
        if (headRequest || status == 204 || status == 304 || status < 200) {
            body = new byte[0];
        } else if (headers.getOrDefault("transfer-encoding", "").toLowerCase(Locale.ROOT).contains("chunked")) {
            body = readChunked(in);
        } else if (headers.containsKey("content-length")) {
            body = in.readNBytes(Integer.parseInt(headers.get("content-length")));
            if (body.length < Integer.parseInt(headers.get("content-length"))) {
                throw new EOFException();
            }
        } else {
            body = in.readAllBytes(); // delimited by the close
        }
        return new Answer(status, headers, body);
    }

    private static byte[] readChunked(InputStream in) throws IOException {
        ByteArrayOutputStream body = new ByteArrayOutputStream();
        while (true) {
            String size = readLine(in, false);
            int semicolon = size.indexOf(';');
            int length = Integer.parseInt((semicolon >= 0 ? size.substring(0, semicolon) : size).trim(), 16);
            if (length == 0) {
                for (String trailer = readLine(in, false); !trailer.isEmpty(); trailer = readLine(in, false)) {
                    // trailers: none expected
                }
                return body.toByteArray();
            }
            byte[] chunk = in.readNBytes(length);
            if (chunk.length < length) {
                throw new EOFException();
            }
            body.write(chunk);
            readLine(in, false);
        }
    }

    /** A CRLF-terminated line as ISO-8859-1; null at a clean end of stream before it (when {@code endAllowed}). */
    private static String readLine(InputStream in, boolean endAllowed) throws IOException {
        StringBuilder line = new StringBuilder();
        int b;
        while ((b = in.read()) >= 0) {
            if (b == '\n') {
                int end = line.length();
                return end > 0 && line.charAt(end - 1) == '\r' ? line.substring(0, end - 1) : line.toString();
            }
            line.append((char) b);
            if (line.length() > 65536) {
                throw new IOException("an answer's line is longer than 64 KiB");
            }
        }
        if (line.length() == 0 && endAllowed) {
            return null;
        }
        throw new EOFException();
    }

}
