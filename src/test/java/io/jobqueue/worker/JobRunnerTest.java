package io.jobqueue.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import java.util.List;
import java.util.Map;

import org.junit.jupiter.api.Test;

class JobRunnerTest {

    @Test
    void aReplyBecomesJson() {
        assertEquals("{\"a\":1}", JobRunner.resultOf(Map.of("a", 1)));
        assertEquals("[1,2]", JobRunner.resultOf(List.of(1, 2)));
        assertEquals("{\"charged\":12.50}", JobRunner.resultOf("{\"charged\": 12.50}"));
        assertEquals("\"done\"", JobRunner.resultOf("done"));
        assertEquals("\"[not json\"", JobRunner.resultOf("[not json"));
        assertEquals("null", JobRunner.resultOf(null));
        assertEquals("42", JobRunner.resultOf(42));
    }

    @Test
    void anErrorIsItsMessageOrElseItsKind() {
        assertEquals("boom", JobRunner.describe(new IllegalStateException("boom")));
        assertEquals("StackOverflowError", JobRunner.describe(new StackOverflowError()));
        assertEquals("StackOverflowError", JobRunner.describe(
                new org.apache.camel.CamelExecutionException("Exception occurred during execution", null, new StackOverflowError())));
    }
}
