package io.jobqueue.testing;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.time.Duration;

/**
 * One HTTP/1.1 connection written byte for byte: for what a well-behaved client never does (trickle its headers, stop
 * halfway through a body, stay silent) and for seeing the answer the moment it comes, whether or not the body was
 * sent. Answers are read as raw text.
 */
public final class RawHttp implements AutoCloseable {

    private final Socket socket;

    public RawHttp(int port) throws IOException {
        socket = new Socket("127.0.0.1", port);
        socket.setSoTimeout(10_000);
    }

    public RawHttp send(String text) throws IOException {
        return send(text.getBytes(StandardCharsets.ISO_8859_1));
    }

    public RawHttp send(byte[] bytes) throws IOException {
        socket.getOutputStream().write(bytes);
        socket.getOutputStream().flush();
        return this;
    }

    /**
     * Reads one answer (headers, and a body of the length they give, or chunks up to the last) within {@code timeout};
     * what came in that time, empty when nothing did or the server closed the connection without answering.
     */
    public String readAnswer(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        InputStream in = socket.getInputStream();
        ByteArrayOutputStream answer = new ByteArrayOutputStream();
        int headerEnd = -1;
        int contentLength = 0;
        boolean chunked = false;
        try {
            for (int b = in.read(); b >= 0; b = in.read()) {
                answer.write(b);
                String text = answer.toString(StandardCharsets.ISO_8859_1);
                if (headerEnd < 0 && text.endsWith("\r\n\r\n")) {
                    headerEnd = text.length();
                    for (String line : text.toLowerCase().split("\r\n")) {
                        if (line.startsWith("content-length:")) {
                            contentLength = Integer.parseInt(line.substring(15).trim());
                        }
                        chunked |= line.startsWith("transfer-encoding:") && line.contains("chunked");
                    }
                }
                boolean complete = chunked ? headerEnd >= 0 && text.length() > headerEnd && text.endsWith("\r\n0\r\n\r\n")
                        : headerEnd >= 0 && answer.size() >= headerEnd + contentLength;
                if (complete) {
                    break;
                }
            }
        } catch (SocketTimeoutException notYet) {
            // what came in time is the answer
        } catch (IOException reset) {
            // the connection was reset: what came before is the answer
        }
        return answer.toString(StandardCharsets.UTF_8);
    }

    /** Whether some answer has arrived and waits to be read (without waiting for one). */
    public boolean hasAnswerWaiting() throws IOException {
        return socket.getInputStream().available() > 0;
    }

    /** Whether the server has closed the connection (reading gives end of stream, or a reset) within {@code timeout}. */
    public boolean isClosedWithin(Duration timeout) throws IOException {
        socket.setSoTimeout((int) timeout.toMillis());
        try {
            return socket.getInputStream().read() < 0;
        } catch (SocketTimeoutException stillOpen) {
            return false;
        } catch (IOException reset) {
            return true;
        }
    }

    /** The status code of an answer read with {@link #readAnswer}, or 0 when there was none. */
    public static int status(String answer) {
        return answer.startsWith("HTTP/1.1 ") ? Integer.parseInt(answer.substring(9, 12)) : 0;
    }

    @Override
    public void close() throws IOException {
        socket.close();
    }
}
