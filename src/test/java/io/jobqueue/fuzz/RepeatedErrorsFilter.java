package io.jobqueue.fuzz;

import java.io.ByteArrayOutputStream;
import java.io.OutputStream;
import java.io.PrintStream;
import java.nio.charset.StandardCharsets;
import java.util.Map;
import java.util.TreeMap;
import java.util.regex.Pattern;

/**
 * Standard error while the fuzzer runs, with each kind of logged error's stack trace shown once: thousands of tries
 * run into the same reported bug hundreds of times, and each would print a stack trace of a hundred lines into the
 * build's output. An error whose exception (class and message, digits aside) was seen before is counted instead, and
 * the counts are printed when the filter is closed. Everything else passes as it is.
 */
final class RepeatedErrorsFilter extends OutputStream {

    private static final Pattern LOGGED_ERROR = Pattern.compile("^\\d\\d:\\d\\d:\\d\\d\\.\\d{3} \\[[^]]*] ERROR .*");

    private final PrintStream original;
    private final ByteArrayOutputStream line = new ByteArrayOutputStream();
    private final Map<String, Integer> repeats = new TreeMap<>();
    private final Map<String, Integer> seen = new TreeMap<>();
    /** The header of a logged error whose exception line has not come yet. */
    private String pendingHeader;
    /** Whether the lines of a repeated stack trace are being dropped. */
    private boolean dropping;

    private RepeatedErrorsFilter(PrintStream original) {
        this.original = original;
    }

    /** Puts the filter in place of System.err; {@link #restore} puts the original back. */
    static RepeatedErrorsFilter install() {
        RepeatedErrorsFilter filter = new RepeatedErrorsFilter(System.err);
        System.setErr(new PrintStream(filter, true, StandardCharsets.UTF_8));
        return filter;
    }

    synchronized void restore() {
        if (line.size() > 0) {
            flushLine();
        }
        if (pendingHeader != null) {
            original.println(pendingHeader);
        }
        System.setErr(original);
        if (!repeats.isEmpty()) {
            original.println("(errors logged again, stack traces not repeated: " + repeats + ")");
        }
    }

    @Override
    public synchronized void write(int b) {
        if (b == '\n') {
            flushLine();
        } else {
            line.write(b);
        }
    }

    private void flushLine() {
        String text = line.toString(StandardCharsets.UTF_8);
        line.reset();
        if (pendingHeader != null) {
            String header = pendingHeader;
            pendingHeader = null;
            String key = text.replaceAll("\\d+", "N");
            key = key.length() > 120 ? key.substring(0, 120) : key;
            if (seen.merge(key, 1, Integer::sum) > 1) {
                repeats.merge(key, 1, Integer::sum);
                dropping = true;
                return;
            }
            dropping = false;
            original.println(header);
            original.println(text);
            return;
        }
        if (LOGGED_ERROR.matcher(text).matches()) {
            pendingHeader = text;
            dropping = false;
            return;
        }
        if (dropping && (text.startsWith("\tat ") || text.startsWith("\t... ") || text.startsWith("Caused by: ")
                || text.startsWith("\tSuppressed: ") || text.startsWith("\t\t"))) {
            return;
        }
        dropping = false;
        original.println(text);
    }
}
