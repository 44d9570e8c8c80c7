package io.jobqueue;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.Map;

import com.fasterxml.jackson.databind.JsonNode;
import io.jobqueue.job.JobJson;
import io.jobqueue.redis.EmbeddedRedis;
import io.jobqueue.testing.Await;
import io.jobqueue.testing.JarProcess;
import io.jobqueue.testing.PrivateRedis;
import io.jobqueue.testing.TestRedis;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import redis.clients.jedis.Jedis;
import redis.clients.jedis.exceptions.JedisConnectionException;

/** The packaged jar without a REDIS_URL: the embedded Redis it starts, stops and refuses. */
class EmbeddedRedisIT {

    @TempDir
    Path work;

    @Test
    void onSigtermTheJobInHandCompletesBeforeTheEmbeddedRedisStops() throws Exception {
        int redisPort = TestRedis.freePort();
        Path app = work.resolve("app");
        Map<String, String> settings = Map.of(
                "jobqueue.redis.embedded-port", String.valueOf(redisPort),
                "jobqueue.queue-name", "slow",
                "jobqueue.processor.min-duration-ms", "3000",
                "jobqueue.processor.max-duration-ms", "3000",
                "jobqueue.processor.failure-rate", "0",
                "jobqueue.worker.concurrency", "1",
                "jobqueue.worker.poll-timeout-seconds", "1");
        String password;
        try (JarProcess worker = JarProcess.start(app, "worker", settings, Map.of())) {
            assertTrue(worker.awaitLog("workers taking jobs", Duration.ofSeconds(60)), worker.stderr());
            password = Files.readString(app.resolve("data/redis/password")).strip();
            try (Jedis redis = new Jedis("127.0.0.1", redisPort)) {
                redis.auth(password);
                redis.lpush("slow", "{\"id\":\"job_in_hand\",\"data\":{}}");
                // in processing: the worker has started it (a job taken but not started would be given back on SIGTERM)
                assertTrue(Await.until(() -> redis.llen("slow:processing") == 1), "the job is in hand");
            }

            int exit = worker.terminate(Duration.ofSeconds(40));
            assertTrue(exit == 143 || exit == 0, "exit code " + exit);

            String log = worker.stderr();
            int workersStopped = log.indexOf("Stopped worker (jobqueue://slow)");
            int redisStopping = log.indexOf("Stopping the embedded Redis on 127.0.0.1:" + redisPort);
            assertTrue(workersStopped > 0 && redisStopping > workersStopped, "the workers stop first, then Redis:\n" + log);
            assertTrue(log.contains("Stopped the embedded Redis on 127.0.0.1:" + redisPort), log);
            assertFalse(log.contains("was not finished"), log);
            assertFalse(log.contains(password), "the password is never logged");
        }
        try (Jedis gone = new Jedis("127.0.0.1", redisPort)) {
            assertThrows(JedisConnectionException.class, gone::ping, "the process that started it stopped it");
        }

        // what the append-only file kept: the job finished, nothing left in processing
        EmbeddedRedis again = EmbeddedRedis.prepare(redisPort, app.resolve("data/redis"));
        again.start();
        try (Jedis redis = new Jedis("127.0.0.1", redisPort)) {
            redis.auth(password);
            assertEquals(0, redis.llen("slow:processing"));
            assertEquals(1, redis.llen("slow:completed"));
            JsonNode job = JobJson.read(redis.lindex("slow:completed", 0));
            assertEquals("job_in_hand", job.path("id").asText());
            assertEquals("completed", job.path("status").asText());
        } finally {
            again.stop();
        }
    }

    @Test
    void aProcessRefusesToStartWhenARedisWithoutOurPasswordHasTheEmbeddedPort() throws Exception {
        try (PrivateRedis foreign = new PrivateRedis(work.resolve("foreign"));
             JarProcess worker = JarProcess.start(work.resolve("app"), "worker",
                     Map.of("jobqueue.redis.embedded-port", String.valueOf(foreign.port)), Map.of())) {
            assertTrue(worker.awaitExit(Duration.ofSeconds(60)), "the process gives up by itself");
            assertNotEquals(0, worker.exitCode());
            String log = worker.stderr();
            assertTrue(log.contains("the embedded Redis's port 127.0.0.1:" + foreign.port + " is taken by a Redis that asks "
                    + "for no password"), log);
            assertTrue(log.contains("jobqueue.redis.embedded-port") && log.contains("REDIS_URL"), "says what to do:\n" + log);
            try (Jedis client = foreign.client()) {
                assertEquals(0, client.dbSize(), "nothing written to it");
            }
        }
    }
}
