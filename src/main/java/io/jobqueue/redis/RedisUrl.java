package io.jobqueue.redis;

import java.net.URI;
import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;

/** A parsed {@code redis://[user:password@]host:port[/db]} URL ({@code rediss://} for TLS). */
public record RedisUrl(String host, int port, int database, String username, String password, boolean tls) {

    public static RedisUrl parse(String url) {
        URI uri;
        try {
            uri = URI.create(url.trim());
        } catch (IllegalArgumentException e) {
            throw new IllegalArgumentException("Redis URL '" + url + "' is not a URL: " + e.getMessage());
        }
        String scheme = uri.getScheme();
        if (!"redis".equals(scheme) && !"rediss".equals(scheme)) {
            throw new IllegalArgumentException("Redis URL '" + url + "' must start with redis:// or rediss://");
        }
        if (uri.getHost() == null) {
            throw new IllegalArgumentException("Redis URL '" + url + "' has no host");
        }
        String username = null;
        String password = null;
        if (uri.getRawUserInfo() != null) {
            String[] parts = uri.getRawUserInfo().split(":", 2);
            if (parts.length == 2) {
                username = parts[0].isEmpty() ? null : decode(parts[0]);
                password = decode(parts[1]);
            } else {
                password = decode(parts[0]); // redis://secret@host, as redis-cli -u reads it
            }
        }
        int database = 0;
        String path = uri.getPath();
        if (path != null && path.length() > 1) {
            try {
                database = Integer.parseInt(path.substring(1));
            } catch (NumberFormatException e) {
                throw new IllegalArgumentException("Redis URL '" + url + "': the database '" + path.substring(1) + "' is not a number");
            }
        }
        return new RedisUrl(uri.getHost(), uri.getPort() == -1 ? 6379 : uri.getPort(), database, username, password,
                "rediss".equals(scheme));
    }

    /** The URL without its password, fit for a log line. */
    public String redacted() {
        String user = username == null && password == null ? "" : (username == null ? "" : username) + ":***@";
        return (tls ? "rediss://" : "redis://") + user + host + ":" + port + "/" + database;
    }

    private static String decode(String text) {
        return URLDecoder.decode(text, StandardCharsets.UTF_8);
    }
}
