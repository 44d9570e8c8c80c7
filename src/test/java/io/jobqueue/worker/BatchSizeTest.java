package io.jobqueue.worker;

import static org.junit.jupiter.api.Assertions.assertEquals;

import org.junit.jupiter.api.Test;

class BatchSizeTest {

    @Test
    void takesOneSlowJobAtATimeAndManyFastOnes() {
        BatchSize size = new BatchSize(50);
        assertEquals(1, size.next(), "until jobs are measured, assume they are slow");

        for (int i = 0; i < 50; i++) {
            size.record(100_000); // 0.1 ms jobs
        }
        assertEquals(50, size.next());

        for (int i = 0; i < 50; i++) {
            size.record(2_000_000_000L); // 2 s jobs
        }
        assertEquals(1, size.next());
    }
}
