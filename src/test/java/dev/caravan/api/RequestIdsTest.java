package dev.caravan.api;

import org.junit.jupiter.api.Test;

import java.util.HashSet;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertTrue;

class RequestIdsTest {

    @Test
    void anIdIsReqAnd32HexDigitsStartingWithTheTime() {
        long before = System.currentTimeMillis();
        String id = RequestIds.next();
        long after = System.currentTimeMillis();
        assertTrue(id.matches("req_[0-9a-f]{32}"), id);
        long millis = Long.parseLong(id.substring(4, 16), 16);
        assertTrue(millis >= before && millis <= after, id);
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
