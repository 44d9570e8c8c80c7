package io.jobqueue.api;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Optional;

/**
 * The bearer tokens the API accepts, each with its roles: from {@code jobqueue.api.tokens}
 * ({@code token:read+write, other:admin}) and {@code jobqueue.api.tokens-file} (one {@code token roles} per line,
 * {@code #} comments). Only the tokens' SHA-256 digests are kept, and a presented token's digest is compared with
 * every one of them with {@link MessageDigest#isEqual} (constant time, no early exit), so that neither the time an
 * answer takes nor a heap dump or log line gives a token away. Error messages name the entry, never the token.
 */
public final class ApiTokens {

    public static final ApiTokens NONE = new ApiTokens(List.of(), List.of());

    private static final ThreadLocal<MessageDigest> SHA_256 = ThreadLocal.withInitial(ApiTokens::sha256);

    private final byte[][] digests;
    private final int[] grants;

    private ApiTokens(List<byte[]> digests, List<Integer> grants) {
        this.digests = digests.toArray(byte[][]::new);
        this.grants = grants.stream().mapToInt(Integer::intValue).toArray();
    }

    /**
     * @param inline {@code token:roles} entries separated by commas, roles joined with {@code +} (empty: none)
     * @param file   a file of {@code token roles} lines, if set
     * @throws IllegalArgumentException naming the setting and entry that is wrong
     */
    public static ApiTokens parse(String inline, Optional<Path> file) {
        List<byte[]> digests = new ArrayList<>();
        List<Integer> grants = new ArrayList<>();
        int entry = 0;
        for (String item : inline.split(",")) {
            entry++;
            if (item.isBlank()) {
                continue;
            }
            int colon = item.lastIndexOf(':');
            if (colon < 0) {
                throw new IllegalArgumentException("jobqueue.api.tokens: entry " + entry + " is not token:roles");
            }
            add(item.substring(0, colon).trim(), item.substring(colon + 1), "jobqueue.api.tokens entry " + entry,
                    digests, grants);
        }
        if (file.isPresent()) {
            List<String> lines;
            try {
                lines = Files.readAllLines(file.get(), StandardCharsets.UTF_8);
            } catch (IOException e) {
                throw new IllegalArgumentException("jobqueue.api.tokens-file: cannot read " + file.get() + ": " + e);
            }
            for (int i = 0; i < lines.size(); i++) {
                String line = lines.get(i).trim();
                if (line.isEmpty() || line.startsWith("#")) {
                    continue;
                }
                String[] parts = line.split("\\s+", 2);
                String where = "jobqueue.api.tokens-file " + file.get() + " line " + (i + 1);
                if (parts.length != 2) {
                    throw new IllegalArgumentException(where + " is not 'token roles'");
                }
                add(parts[0], parts[1], where, digests, grants);
            }
        }
        return digests.isEmpty() ? NONE : new ApiTokens(digests, grants);
    }

    private static void add(String token, String roles, String where, List<byte[]> digests, List<Integer> grants) {
        if (token.isEmpty() || token.chars().anyMatch(Character::isWhitespace)) {
            throw new IllegalArgumentException(where + ": the token is empty or holds spaces");
        }
        int granted = 0;
        for (String role : roles.split("\\+")) {
            try {
                granted |= ApiRole.valueOf(role.trim().toUpperCase(Locale.ROOT)).grants();
            } catch (IllegalArgumentException e) {
                throw new IllegalArgumentException(where + ": unknown role '" + role.trim() + "' (use read, write, admin, joined with +)");
            }
        }
        byte[] digest = digest(token);
        for (byte[] known : digests) {
            if (MessageDigest.isEqual(known, digest)) {
                throw new IllegalArgumentException(where + ": this token is listed twice");
            }
        }
        digests.add(digest);
        grants.add(granted);
    }

    public boolean isEmpty() {
        return digests.length == 0;
    }

    public int size() {
        return digests.length;
    }

    /** The roles {@code token} holds, as {@link ApiRole#bit()}s: 0 when it is not one of these tokens. */
    int grants(String token) {
        byte[] digest = digest(token);
        int granted = 0;
        for (int i = 0; i < digests.length; i++) { // every entry, whether or not one matched already
            if (MessageDigest.isEqual(digests[i], digest)) {
                granted |= grants[i];
            }
        }
        return granted;
    }

    private static byte[] digest(String token) {
        return SHA_256.get().digest(token.getBytes(StandardCharsets.UTF_8));
    }

    private static MessageDigest sha256() {
        try {
            return MessageDigest.getInstance("SHA-256");
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("this JVM has no SHA-256", e);
        }
    }

    @Override
    public String toString() {
        return digests.length + " API token(s)";
    }
}
