package dev.caravan.auth;

import dev.caravan.ops.LogLines;
import org.junit.jupiter.api.Test;

import java.util.List;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The master key opens the admin API and every caller's spend: a short one is warned about, by its length only. */
class MasterKeyStrengthTest {

    private static final String SHORT = "hunter2-master";

    @Test
    void aShortMasterKeyIsWarnedAboutAtStartByItsLengthNeverItself() throws Exception {
        try (LogLines log = LogLines.capture("dev.caravan.auth.AuthBeans");
             AuthGateway gateway = AuthGateway.withKeys(Map.of("caravan.auth.master.api-key", SHORT))) {
            List<LogLines.Line> warnings = warnings(log);
            assertEquals(1, warnings.size(), log.lines().toString());
            assertTrue(warnings.get(0).message().contains(SHORT.length() + " characters long"),
                    warnings.get(0).message());
            assertFalse(log.lines().toString().contains(SHORT), "the key itself is never logged");
            assertEquals(200, gateway.send("GET", "/admin/keys", null, "Authorization", "Bearer " + SHORT)
                    .statusCode(), "a short key still works: a warning, not a refusal");
        }
    }

    @Test
    void aMasterKeyOf32CharactersIsNotWarnedAbout() throws Exception {
        try (LogLines log = LogLines.capture("dev.caravan.auth.AuthBeans");
             AuthGateway gateway = AuthGateway.withKeys(Map.of())) {
            assertEquals(32, AuthGateway.MASTER_KEY.length());
            assertTrue(warnings(log).isEmpty(), log.lines().toString());
        }
    }

    private static List<LogLines.Line> warnings(LogLines log) {
        return log.matching(l -> l.level().equals("WARN") && l.message().contains("master key"));
    }
}
