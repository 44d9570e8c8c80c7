package io.jobqueue.api;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Optional;

import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

class ApiTokensTest {

    @Test
    void inlineEntriesGiveEachTokenItsRolesAndAdminGrantsAll() {
        ApiTokens tokens = ApiTokens.parse(" r1:read , rw1:read+write, a1: admin ,", Optional.empty());

        assertEquals(3, tokens.size());
        assertTrue(ApiRole.READ.isIn(tokens.grants("r1")));
        assertFalse(ApiRole.WRITE.isIn(tokens.grants("r1")));
        assertTrue(ApiRole.WRITE.isIn(tokens.grants("rw1")));
        assertFalse(ApiRole.ADMIN.isIn(tokens.grants("rw1")));
        for (ApiRole role : ApiRole.values()) {
            assertTrue(role.isIn(tokens.grants("a1")), role.name());
        }
        assertEquals(0, tokens.grants("r2"));
        assertEquals(0, tokens.grants(""));
    }

    @Test
    void aFileHoldsOneTokenAndItsRolesPerLine(@TempDir Path directory) throws Exception {
        Path file = directory.resolve("tokens");
        Files.writeString(file, "# comment\n\nf1 write\n  f2\tread+admin  \n");

        ApiTokens tokens = ApiTokens.parse("i1:read", Optional.of(file));

        assertEquals(3, tokens.size());
        assertTrue(ApiRole.WRITE.isIn(tokens.grants("f1")));
        assertTrue(ApiRole.ADMIN.isIn(tokens.grants("f2")));
        assertTrue(ApiRole.READ.isIn(tokens.grants("i1")));
    }

    @Test
    void mistakesAreReportedWithoutTheToken(@TempDir Path directory) throws Exception {
        assertError("entry 2 is not token:roles", () -> ApiTokens.parse("a:read, s3cret", Optional.empty()));
        assertError("unknown role 'owner'", () -> ApiTokens.parse("s3cret:owner", Optional.empty()));
        assertError("listed twice", () -> ApiTokens.parse("s3cret:read, s3cret:write", Optional.empty()));
        assertError("the token is empty", () -> ApiTokens.parse(":read", Optional.empty()));
        Path file = directory.resolve("tokens");
        Files.writeString(file, "ok read\ns3cret\n");
        assertError("line 2 is not 'token roles'", () -> ApiTokens.parse("", Optional.of(file)));
        assertError("cannot read", () -> ApiTokens.parse("", Optional.of(directory.resolve("missing"))));
    }

    @Test
    void noTokensIsNoneAndNothingShowsATokenAsText() {
        assertTrue(ApiTokens.parse(" ", Optional.empty()).isEmpty());
        ApiTokens tokens = ApiTokens.parse("s3cret:read", Optional.empty());
        assertFalse(tokens.toString().contains("s3cret"));
    }

    private static void assertError(String message, Runnable parse) {
        IllegalArgumentException error = assertThrows(IllegalArgumentException.class, parse::run);
        assertTrue(error.getMessage().contains(message), error.getMessage());
        assertFalse(error.getMessage().contains("s3cret"), error.getMessage());
    }
}
