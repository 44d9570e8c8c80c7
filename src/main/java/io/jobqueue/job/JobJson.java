package io.jobqueue.job;

import java.io.IOException;
import java.nio.ByteBuffer;
import java.nio.charset.CharacterCodingException;
import java.nio.charset.CodingErrorAction;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.LinkedHashMap;
import java.util.Map;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

import com.fasterxml.jackson.core.JsonFactory;
import com.fasterxml.jackson.core.JsonLocation;
import com.fasterxml.jackson.core.JsonParser;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.core.JsonToken;
import com.fasterxml.jackson.core.StreamReadConstraints;
import com.fasterxml.jackson.core.StreamReadFeature;
import com.fasterxml.jackson.core.io.JsonStringEncoder;
import com.fasterxml.jackson.databind.DeserializationFeature;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.cfg.JsonNodeFeature;
import com.fasterxml.jackson.databind.json.JsonMapper;

/** The one JSON mapper for jobs and events, set up so that a job's data comes back out exactly as it went in. */
public final class JobJson {

    /**
     * How deeply a job's data may nest (objects and arrays), as the API accepts it. A stored job is one level deeper
     * (the data sits in the job object), and the mapper that reads jobs allows a few levels more than that, so that
     * whatever the API accepted, a worker can read.
     */
    public static final int MAX_DATA_DEPTH = StreamReadConstraints.DEFAULT_MAX_DEPTH;

    /**
     * Decimals are kept as BigDecimal, unnormalised ({@code 1.10} stays {@code 1.10}), so that rewriting a job
     * never changes its data; trailing text after the JSON value is an error, not ignored. Jackson's default limits
     * stand (nesting, number and name lengths): past them a value is refused with a message, not read. A key twice in
     * one object is an error: which of the two counts would be a guess (the task route and the data could disagree).
     */
    public static final ObjectMapper MAPPER = JsonMapper.builder(JsonFactory.builder()
                    .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DATA_DEPTH + 8).build())
                    .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                    .build())
            .enable(DeserializationFeature.USE_BIG_DECIMAL_FOR_FLOATS)
            .enable(DeserializationFeature.FAIL_ON_TRAILING_TOKENS)
            .disable(JsonNodeFeature.STRIP_TRAILING_BIGDECIMAL_ZEROES)
            .build();

    /**
     * The parser for a job's data as it comes in. A key given twice in one object is an error ("Duplicate field"), so
     * that what a task route reads (the last value) and what the worker routes by (the first {@code task}) cannot
     * differ; Jackson keeps the names of the object being read to check this. The data may nest at most
     * {@link #MAX_DATA_DEPTH} deep; the mapper that reads jobs allows more, so whatever is accepted here a worker can
     * read. Data is parsed this way once, at intake.
     */
    public static final JsonFactory DATA = dataFactory(0);
    /** The same for a JSON array of jobs' data: the array adds one level around each job's data. */
    public static final JsonFactory DATA_IN_ARRAY = dataFactory(1);

    private static JsonFactory dataFactory(int levelsAround) {
        return MAPPER.getFactory().rebuild()
                .enable(StreamReadFeature.STRICT_DUPLICATE_DETECTION)
                .streamReadConstraints(StreamReadConstraints.builder().maxNestingDepth(MAX_DATA_DEPTH + levelsAround).build())
                .build();
    }

    private static final DateTimeFormatter ISO_SECONDS =
            DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ss.").withZone(ZoneOffset.UTC);

    /** The last second formatted, shared by all threads: formatting a date costs more than a Redis command. */
    private static volatile FormattedSecond lastSecond = new FormattedSecond(Long.MIN_VALUE, "");

    private record FormattedSecond(long epochSecond, String text) {
    }

    private JobJson() {
    }

    /** The seed's timestamp format: ISO-8601 in UTC, always with milliseconds ({@code 2024-01-01T10:00:00.000Z}). */
    public static String timestamp(Instant instant) {
        return timestamp(instant.toEpochMilli());
    }

    public static String timestamp(long epochMillis) {
        long second = Math.floorDiv(epochMillis, 1000L);
        int millis = (int) Math.floorMod(epochMillis, 1000L);
        FormattedSecond formatted = lastSecond;
        if (formatted.epochSecond() != second) {
            formatted = new FormattedSecond(second, ISO_SECONDS.format(Instant.ofEpochSecond(second)));
            lastSecond = formatted;
        }
        return new StringBuilder(formatted.text().length() + 4).append(formatted.text())
                .append((char) ('0' + millis / 100)).append((char) ('0' + millis / 10 % 10)).append((char) ('0' + millis % 10))
                .append('Z').toString();
    }

    public static String write(Object value) {
        try {
            return MAPPER.writeValueAsString(value);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException("cannot write JSON: " + e.getOriginalMessage(), e);
        }
    }

    /** Parses JSON text, or throws {@link InvalidJsonException} with a message fit for an API client. */
    public static JsonNode read(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidJsonException("the body is empty: send a JSON object");
        }
        try {
            return MAPPER.readTree(text);
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException("invalid JSON: " + problem(e));
        }
    }

    /**
     * What a parser found wrong, and where when it says: for error messages that a client can act on. Never throws
     * (a limit of Jackson's, such as nesting depth or the length of a number or a name, is reported without a
     * location), and never longer than a few hundred characters (a parser may quote the offending text).
     */
    public static String problem(JsonProcessingException e) {
        String message = String.valueOf(e.getOriginalMessage());
        int jacksonsName = message.indexOf(", from `StreamReadConstraints"); // a limit's name in Jackson's API
        if (jacksonsName > 0) {
            message = message.substring(0, jacksonsName) + ")";
        }
        if (message.length() > 300) {
            message = message.substring(0, 300) + "...";
        }
        JsonLocation at = e.getLocation();
        return message + (at == null || at.getLineNr() < 0 ? "" : " (line " + at.getLineNr() + ", column " + at.getColumnNr() + ")");
    }

    /**
     * The top-level fields of a JSON object, each value as its exact text, in order; the values are checked by the
     * tokenizer, not built. This is how jobs are read: their data is moved, never parsed.
     *
     * @throws InvalidJsonException when the text is not exactly one JSON object
     */
    public static Map<String, String> topLevelFields(String text) {
        Map<String, String> fields = new LinkedHashMap<>();
        try (JsonParser parser = MAPPER.getFactory().createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidJsonException(first == null ? "the value is empty" : "expected a JSON object, got " + kind(first));
            }
            JsonToken token;
            while ((token = parser.nextToken()) == JsonToken.FIELD_NAME) {
                String name = parser.currentName();
                JsonToken value = parser.nextToken();
                int start = (int) parser.currentTokenLocation().getCharOffset();
                if (value.isStructStart()) {
                    parser.skipChildren();
                } else {
                    parser.finishToken();
                }
                fields.put(name, text.substring(start, (int) parser.currentLocation().getCharOffset()));
            }
            if (token != JsonToken.END_OBJECT || parser.nextToken() != null) {
                throw new InvalidJsonException("invalid JSON after the object");
            }
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException("invalid JSON: " + problem(e));
        } catch (IOException e) {
            throw new InvalidJsonException("invalid JSON: " + e.getMessage());
        }
        return fields;
    }

    /**
     * Checks that {@code text} is one JSON object (and nothing after it), within the limits the API accepts (at most
     * {@link #MAX_DATA_DEPTH} deep, no key twice in an object), by reading it as a token stream, without building it,
     * and returns it trimmed. Used where the text is stored as it is (a job's data).
     *
     * @throws InvalidJsonException saying what is wrong, fit for an API client
     */
    public static String requireObject(String text) {
        if (text == null || text.isBlank()) {
            throw new InvalidJsonException("the body is empty: send a JSON object");
        }
        try (JsonParser parser = DATA.createParser(text)) {
            JsonToken first = parser.nextToken();
            if (first != JsonToken.START_OBJECT) {
                throw new InvalidJsonException("a job's data must be a JSON object, got " + kind(first));
            }
            parser.skipChildren();
            if (parser.nextToken() != null) {
                throw new InvalidJsonException("invalid JSON: more text after the object");
            }
        } catch (JsonProcessingException e) {
            throw new InvalidJsonException("invalid JSON: " + problem(e));
        } catch (IOException e) {
            throw new InvalidJsonException("invalid JSON: " + e.getMessage());
        }
        return text.trim();
    }

    /**
     * {@code bytes} as text when they are valid UTF-8, else null. The JDK's decoding (fast) replaces bad bytes with
     * U+FFFD; only text that holds one is decoded again strictly, to tell a replaced byte from a real U+FFFD.
     */
    public static String utf8OrNull(byte[] bytes) {
        String text = new String(bytes, StandardCharsets.UTF_8);
        if (text.indexOf('\uFFFD') < 0) {
            return text;
        }
        try {
            StandardCharsets.UTF_8.newDecoder().onMalformedInput(CodingErrorAction.REPORT)
                    .onUnmappableCharacter(CodingErrorAction.REPORT).decode(ByteBuffer.wrap(bytes));
            return text;
        } catch (CharacterCodingException e) {
            return null;
        }
    }

    /** The kind of JSON value a token starts, as a client would name it. */
    public static String kind(JsonToken token) {
        if (token == null) {
            return "nothing";
        }
        return switch (token) {
            case START_OBJECT -> "object";
            case START_ARRAY -> "array";
            case VALUE_STRING -> "string";
            case VALUE_NUMBER_INT, VALUE_NUMBER_FLOAT -> "number";
            case VALUE_TRUE, VALUE_FALSE -> "boolean";
            case VALUE_NULL -> "null";
            default -> token.name().toLowerCase(java.util.Locale.ROOT);
        };
    }

    /**
     * {@code text} as a JSON string literal. Ids, statuses and timestamps need no escaping, and checking that is much
     * cheaper than escaping (this runs for every field written).
     */
    public static String quote(String text) {
        return appendQuoted(new StringBuilder(text.length() + 2), text).toString();
    }

    public static StringBuilder appendQuoted(StringBuilder out, String text) {
        out.append('"');
        if (needsEscaping(text)) {
            JsonStringEncoder.getInstance().quoteAsString(text, out);
        } else {
            out.append(text);
        }
        return out.append('"');
    }

    private static boolean needsEscaping(String text) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            if (c < 0x20 || c == '"' || c == '\\' || c >= 0x7f) {
                return true;
            }
        }
        return false;
    }

    /** Text that is not the JSON its reader asked for. */
    public static class InvalidJsonException extends IllegalArgumentException {
        public InvalidJsonException(String message) {
            super(message);
        }
    }
}
