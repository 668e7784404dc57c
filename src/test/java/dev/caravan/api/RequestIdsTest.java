package dev.caravan.api;

import org.junit.jupiter.api.Test;

import java.time.Instant;
import java.util.HashSet;
import java.util.Optional;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdsTest {

    @Test
    void anIdIsReqAnd32HexDigitsStartingWithTheTimeAsTimeFirstHexIs() {
        long before = System.currentTimeMillis();
        String id = RequestIds.next();
        String hex = RequestIds.timeFirstHex();
        long after = System.currentTimeMillis();
        assertTrue(id.matches("req_[0-9a-f]{32}"), id);
        assertTrue(hex.matches("[0-9a-f]{28}"), hex);
        for (long millis : new long[] {RequestIds.timeOf(id).orElseThrow().toEpochMilli(),
                Long.parseLong(hex.substring(0, 12), 16)}) {
            assertTrue(millis >= before && millis <= after, id + " " + hex);
        }
    }

    @Test
    void onlyTheGatewaysOwnIdsHaveATime() {
        assertEquals(Optional.empty(), RequestIds.timeOf("chatcmpl-123"));
        assertEquals(Optional.empty(), RequestIds.timeOf("req_short"));
        assertEquals(Optional.empty(), RequestIds.timeOf("req_zzzzzzzzzzzz0000"));
        assertEquals(Optional.of(Instant.parse("2025-03-01T23:59:59.999Z")),
                RequestIds.timeOf("req_" + String.format("%012x", Instant.parse("2025-03-01T23:59:59.999Z").toEpochMilli())
                        + "00000000000000000000"));
    }

    @Test
    void laterIdsSortAfterEarlierOnes() throws InterruptedException {
        String first = RequestIds.next();
        Thread.sleep(2);
        assertTrue(RequestIds.next().compareTo(first) > 0);
    }

    @Test
    void idsDoNotRepeat() {
        Set<String> ids = new HashSet<>();
        for (int i = 0; i < 100_000; i++) {
            ids.add(RequestIds.next());
        }
        assertEquals(100_000, ids.size());
    }
}
