package dev.caravan.ops;

import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.util.function.BiFunction;
import java.util.logging.LogManager;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * How much a stalled standard output may hold before lines are dropped is a handler setting of the logging
 * configuration ({@code .capacity}, bytes), for each handler on its own: 1 MiB unless given, never below 64 KiB, and a
 * value that is not a number stops the start with a message naming the setting.
 */
class OutputCapacitySettingTest {

    private static final String STDOUT = StdoutHandler.class.getName() + ".capacity";
    private static final String ACCESS = BatchedStdoutHandler.class.getName() + ".capacity";

    @AfterEach
    void removeSettings() throws IOException {
        set(STDOUT, null);
        set(ACCESS, null);
    }

    @Test
    void eachHandlerReadsItsOwnCapacityAndTheDefaultIsOneMebibyte() throws IOException {
        assertEquals(1 << 20, StdoutHandler.capacity(StdoutHandler.class));
        set(ACCESS, " 4194304 ");
        assertEquals(4 << 20, StdoutHandler.capacity(BatchedStdoutHandler.class));
        assertEquals(1 << 20, StdoutHandler.capacity(StdoutHandler.class), "the other handler keeps its default");
        set(STDOUT, "131072");
        assertEquals(128 << 10, StdoutHandler.capacity(StdoutHandler.class));
    }

    @Test
    void aCapacityTooSmallForALongStackTraceIsRaisedToSixtyFourKibibytes() throws IOException {
        set(STDOUT, "100");
        assertEquals(64 << 10, StdoutHandler.capacity(StdoutHandler.class));
    }

    @Test
    void aCapacityThatIsNotANumberIsRefusedNamingTheSetting() throws IOException {
        set(ACCESS, "1MiB");
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> StdoutHandler.capacity(BatchedStdoutHandler.class));
        assertTrue(refused.getMessage().contains(ACCESS) && refused.getMessage().contains("'1MiB'"),
                refused.getMessage());
    }

    /** Sets one key of the LogManager's configuration ({@code null} removes it), keeping every other. */
    private static void set(String key, String value) throws IOException {
        String text = value == null ? "" : key + "=" + value + "\n";
        LogManager.getLogManager().updateConfiguration(new ByteArrayInputStream(text.getBytes(StandardCharsets.ISO_8859_1)),
                k -> k.equals(key) ? (BiFunction<String, String, String>) (old, now) -> value
                        : (old, now) -> now == null ? old : now);
    }
}
