package io.jobqueue.job;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNull;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.charset.StandardCharsets;
import java.time.Instant;

import org.junit.jupiter.api.Test;

class JobTest {

    private static final Instant NOW = Instant.parse("2024-01-01T10:00:00Z");

    @Test
    void aNewJobHasTheSeedsShape() {
        Job job = Job.create("{\"task\":\"process_payment\",\"amount\":100}", NOW.toEpochMilli());

        assertTrue(job.id().matches("job_1704103200000_[a-z0-9]{9}"), job.id());
        assertEquals("{\"id\":\"" + job.id() + "\",\"data\":{\"task\":\"process_payment\",\"amount\":100},"
                + "\"createdAt\":\"2024-01-01T10:00:00.000Z\",\"status\":\"queued\",\"attempts\":0}", job.json());
        assertNull(job.stored(), "not written yet");
    }

    @Test
    void rewritingAJobNeverChangesItsDataOrFieldsItDoesNotKnow() {
        String text = "{\"id\":\"j1\",\"data\":{\"price\":1.10,\"big\":12345678901234567890,\"tiny\":1e-7,\"list\":[],\"obj\":{}},"
                + "\"createdAt\":\"x\",\"status\":\"queued\",\"attempts\":0,\"origin\":\"other-client\"}";

        Job active = Job.fromTaken(text.getBytes(StandardCharsets.UTF_8), 1_000_000, NOW)
                .started("h-1-1", NOW.toEpochMilli());

        assertEquals(text, active.stored());
        assertEquals("{\"id\":\"j1\",\"data\":{\"price\":1.10,\"big\":12345678901234567890,\"tiny\":1e-7,\"list\":[],\"obj\":{}},"
                + "\"createdAt\":\"x\",\"status\":\"processing\",\"attempts\":0,\"origin\":\"other-client\","
                + "\"workerId\":\"h-1-1\",\"startedAt\":\"2024-01-01T10:00:00.000Z\"}", active.json());
    }

    @Test
    void theDataIsKeptByteForByteWithItsSpacing() {
        String text = "{ \"id\" : \"j2\", \"data\" : {\"a\": [1, 2.50, {\"b\" : null}] , \"task\":\"t\"} }";

        Job job = Job.parse(text);

        assertEquals("{\"a\": [1, 2.50, {\"b\" : null}] , \"task\":\"t\"}", job.rawField("data"));
        assertEquals("t", job.task());
        assertEquals(text, job.json(), "unchanged, it is written back as read");
        assertEquals("{\"id\":\"j2\",\"data\":{\"a\": [1, 2.50, {\"b\" : null}] , \"task\":\"t\"},\"status\":\"x\"}",
                job.edit().set("status", "x").done().json());
    }

    @Test
    void textFieldsAreUnescaped() {
        Job job = Job.parse("{\"id\":\"a\\\"b\",\"error\":\"line\\nnext\",\"attempts\":2}");
        assertEquals("a\"b", job.id());
        assertEquals("line\nnext", job.text("error"));
        assertEquals(2, job.attempts());
        assertEquals("{\"jobId\":\"a\\\"b\",\"status\":\"failed\",\"timestamp\":\"2024-01-01T10:00:00.000Z\",\"error\":\"line\\nnext\"}",
                JobEvent.of(job.edit().set("status", "failed").done(), NOW).json());
    }

    @Test
    void aValueThatIsNotAJobBecomesARecordThatKeepsItsText() {
        Job invalid = Job.fromTaken("{\"no\":\"id\"}".getBytes(StandardCharsets.UTF_8), 1_000_000, NOW)
                .started("h-1-1", NOW.toEpochMilli());

        assertEquals("{\"no\":\"id\"}", invalid.stored());
        assertEquals("{\"no\":\"id\"}", invalid.text("raw"));
        assertEquals("{\"no\":\"id\"}", JobJson.read(invalid.json()).path("raw").asText(), "the text is kept, escaped");
        assertEquals("not a job: it has no \"id\" string", invalid.invalidReason());
        assertEquals("processing", invalid.status());
        assertTrue(invalid.id().startsWith("invalid_"));
    }

    @Test
    void aValueOverTheSizeLimitIsNotReadAtAll() {
        Job tooBig = Job.fromTaken(("{\"id\":\"big\",\"data\":\"" + "é".repeat(600) + "\"}").getBytes(StandardCharsets.UTF_8), 1000, NOW);

        assertTrue(tooBig.invalidReason().startsWith("the job is 1222 bytes, over the limit of 1000"), tooBig.invalidReason());
        assertTrue(tooBig.id().startsWith("invalid_"));
    }

    @Test
    void parsingRefusesWhatIsNotAJob() {
        assertThrows(Job.InvalidJobException.class, () -> Job.parse("[1]"));
        assertThrows(Job.InvalidJobException.class, () -> Job.parse("{\"id\":7}"));
        assertThrows(Job.InvalidJobException.class, () -> Job.parse("{\"id\":\"\"}"));
        assertThrows(Job.InvalidJobException.class, () -> Job.parse("{\"id\":\"a\",\"attempts\":\"two\"}"));
        assertThrows(Job.InvalidJobException.class, () -> Job.parse("{\"id\":\"a\"} {}"));
        assertEquals(0, Job.parse("{\"id\":\"a\"}").attempts());
    }

    @Test
    void aChangedCopyRemembersWhereTheJobIsStored() {
        Job stored = Job.parse("{\"id\":\"a\",\"status\":\"processing\"}");
        Job changed = stored.edit().set("status", "completed").set("attempts", 1).done();

        assertEquals(stored.json(), changed.stored());
        assertEquals("{\"id\":\"a\",\"status\":\"completed\",\"attempts\":1}", changed.json());
        assertEquals(changed.json(), changed.asStored().stored());
        assertEquals("{\"id\":\"a\",\"status\":\"processing\"}", stored.json(), "the original is unchanged");
    }

    @Test
    void eventsKeepTheSeedsShape() {
        Job queued = Job.parse("{\"id\":\"a\",\"status\":\"queued\",\"workerId\":\"old\",\"error\":\"old\"}");
        assertEquals("{\"jobId\":\"a\",\"status\":\"queued\",\"timestamp\":\"2024-01-01T10:00:00.000Z\"}",
                JobEvent.of(queued, NOW).json());
        Job failed = Job.parse("{\"id\":\"a\",\"status\":\"failed\",\"workerId\":\"h-1-2\",\"error\":\"boom\"}");
        assertEquals("{\"jobId\":\"a\",\"status\":\"failed\",\"workerId\":\"h-1-2\",\"timestamp\":\"2024-01-01T10:00:00.000Z\","
                + "\"error\":\"boom\"}", JobEvent.of(failed, NOW).json());
    }
}
