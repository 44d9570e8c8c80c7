package io.jobqueue.redis;

import java.io.ByteArrayOutputStream;
import java.io.EOFException;
import java.io.IOException;
import java.io.InputStream;
import java.io.OutputStream;
import java.net.ConnectException;
import java.net.InetSocketAddress;
import java.net.Socket;
import java.net.SocketTimeoutException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Path;

/**
 * Who listens on the embedded Redis's port: nothing, or our Redis (it asks for a password and accepts the one in the
 * data directory). Anything else is refused with an {@link IOException} that says what was found and what to do: a
 * Redis that asks for no password, a Redis that refuses ours, a program that is not Redis. Asked over a raw socket,
 * so that no client pool is made for a Redis that may not be used.
 */
final class EmbeddedRedisProbe {

    enum Found {
        NOTHING,
        /** Ours, still loading its append-only file: it answers commands with -LOADING. */
        OUR_REDIS_LOADING,
        OUR_REDIS
    }

    private static final int MAX_LINE = 512;

    private EmbeddedRedisProbe() {
    }

    static Found probe(int port, String password, Path passwordFile) throws IOException {
        try (Socket socket = new Socket()) {
            try {
                socket.connect(new InetSocketAddress(EmbeddedRedis.HOST, port), 1000);
            } catch (ConnectException nothingListens) {
                return Found.NOTHING;
            }
            socket.setSoTimeout(2000);
            OutputStream out = socket.getOutputStream();
            InputStream in = socket.getInputStream();
            // the password is sent only to a Redis that asks for one
            out.write(command("PING"));
            out.flush();
            String greeting = readLine(in);
            if (greeting.equals("+PONG")) {
                throw refused(port, "a Redis that asks for no password", passwordFile);
            }
            if (!greeting.startsWith("-NOAUTH")) {
                throw refused(port, "a program that does not answer as Redis does", passwordFile);
            }
            out.write(command("AUTH", password));
            out.write(command("PING"));
            out.flush();
            if (!readLine(in).equals("+OK")) {
                throw refused(port, "a Redis that does not accept the password in " + passwordFile
                        + " (another data directory's, or another user's)", passwordFile);
            }
            return readLine(in).equals("+PONG") ? Found.OUR_REDIS : Found.OUR_REDIS_LOADING;
        } catch (SocketTimeoutException | EOFException e) {
            throw refused(port, "a program that does not answer as Redis does", passwordFile);
        }
    }

    private static IOException refused(int port, String what, Path passwordFile) {
        return new IOException("No Redis URL configured, and the embedded Redis's port " + EmbeddedRedis.HOST + ":" + port
                + " is taken by " + what + ". It is not the embedded Redis of " + passwordFile.getParent()
                + ", so this process will not use it. Stop it, or give the embedded Redis another port "
                + "(jobqueue.redis.embedded-port), or set REDIS_URL=redis://host:port to use a Redis of your choice.");
    }

    /** A command as a RESP array of bulk strings, which carries any bytes (an inline command would split on spaces). */
    private static byte[] command(String... words) {
        StringBuilder resp = new StringBuilder("*").append(words.length).append("\r\n");
        for (String word : words) {
            resp.append('$').append(word.getBytes(StandardCharsets.UTF_8).length).append("\r\n").append(word).append("\r\n");
        }
        return resp.toString().getBytes(StandardCharsets.UTF_8);
    }

    /** One reply line without its CRLF; a program that sends no line break soon is not Redis. */
    private static String readLine(InputStream in) throws IOException {
        ByteArrayOutputStream line = new ByteArrayOutputStream();
        int previous = -1;
        while (line.size() < MAX_LINE) {
            int next = in.read();
            if (next < 0) {
                throw new EOFException();
            }
            if (previous == '\r' && next == '\n') {
                byte[] bytes = line.toByteArray();
                return new String(bytes, 0, bytes.length - 1, StandardCharsets.ISO_8859_1);
            }
            line.write(next);
            previous = next;
        }
        throw new EOFException();
    }
}
