package dev.caravan.auth;

import org.apache.camel.Exchange;
import org.junit.jupiter.api.Test;

import java.lang.reflect.Proxy;
import java.time.Duration;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Wrong credentials counted per client address, on a clock the test moves: when an address is refused, and for how long. */
class GuessLimiterTest {

    private static final Duration WINDOW = Duration.ofMinutes(5);

    private final AtomicLong now = new AtomicLong(123_456_789L);

    private GuessLimiter limiter(int maxFailures, int maxTracked) {
        return new GuessLimiter("master key", maxFailures, WINDOW, now::get, maxTracked);
    }

    @Test
    void anAddressIsRefusedOnceItHasUsedUpItsFailuresUntilTheWindowFromItsFirstFailurePasses() {
        GuessLimiter limiter = limiter(3, 100);
        limiter.failed("192.0.2.7", "a");
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        limiter.failed("192.0.2.7", "b");
        assertEquals(0, limiter.refusedFor("192.0.2.7"), "two failures of three");
        limiter.failed("192.0.2.7", "c");

        assertEquals(Duration.ofMinutes(4).toNanos(), limiter.refusedFor("192.0.2.7"));
        AuthFailure refused = assertThrows(AuthFailure.class, () -> limiter.admit("192.0.2.7"));
        assertEquals(429, refused.status());
        assertEquals("too_many_failed_attempts", refused.code());
        assertEquals(Duration.ofMinutes(4).toMillis(), refused.retryAfterMillis());
        assertTrue(refused.getMessage().contains("master keys") && refused.getMessage().contains("240 s"),
                refused.getMessage());

        now.addAndGet(Duration.ofMinutes(4).toNanos());
        assertDoesNotThrow(() -> limiter.admit("192.0.2.7"), "the window has passed");
        limiter.failed("192.0.2.7", "d");
        assertEquals(0, limiter.refusedFor("192.0.2.7"), "a new window starts from no failures");
    }

    @Test
    void passedWindowsAreForgottenWhenTheNextRequestIsCheckedNotOnlyAtTheNextFailure() {
        GuessLimiter limiter = limiter(3, 100);
        limiter.failed("192.0.2.7", "a");
        limiter.failed("198.51.100.9", "a");
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        limiter.failed("203.0.113.5", "a");
        assertEquals(3, limiter.trackedClients());

        now.addAndGet(Duration.ofMinutes(4).toNanos());
        limiter.admit("192.0.2.1");
        assertEquals(1, limiter.trackedClients(), "the two windows that passed are gone");
        now.addAndGet(Duration.ofMinutes(1).toNanos());
        limiter.admit("192.0.2.1");
        assertEquals(0, limiter.trackedClients(), "nothing is left to read a client's address for");
    }

    @Test
    void theSameWrongCredentialPresentedAgainCountsOnce() {
        GuessLimiter limiter = limiter(3, 100);
        for (int i = 0; i < 10; i++) {
            limiter.failed("192.0.2.7", "old-key");
        }
        limiter.failed("192.0.2.7", "other");

        assertEquals(0, limiter.refusedFor("192.0.2.7"));
    }

    @Test
    void oneAddressUsingUpItsFailuresRefusesNoOtherAddress() {
        GuessLimiter limiter = limiter(2, 100);
        limiter.failed("192.0.2.7", "a");
        limiter.failed("192.0.2.7", "b");

        assertTrue(limiter.refusedFor("192.0.2.7") > 0);
        assertEquals(0, limiter.refusedFor("192.0.2.8"));
        assertEquals(0, limiter.refusedFor(null), "a request that did not come over HTTP");
    }

    @Test
    void addressesWhoseWindowHasPassedAreForgotten() {
        GuessLimiter limiter = limiter(3, 1_000);
        for (int i = 0; i < 500; i++) {
            limiter.failed("192.0.2." + (i % 250), "wrong-" + i);
        }
        assertEquals(250, limiter.trackedClients());

        now.addAndGet(WINDOW.toNanos());
        limiter.failed("198.51.100.1", "wrong");

        assertEquals(1, limiter.trackedClients());
    }

    @Test
    void pastTheAddressesItTracksFurtherAddressesShareOneCount() {
        GuessLimiter limiter = limiter(2, 2);
        limiter.failed("192.0.2.1", "a");
        limiter.failed("192.0.2.2", "a");
        limiter.failed("192.0.2.3", "a");
        limiter.failed("192.0.2.4", "b");

        assertEquals(3, limiter.trackedClients());
        assertTrue(limiter.refusedFor("192.0.2.3") > 0);
        assertTrue(limiter.refusedFor("192.0.2.99") > 0, "every address not tracked shares the count");
        assertEquals(0, limiter.refusedFor("192.0.2.1"), "tracked addresses keep their own");
    }

    @Test
    void withNoLimitNothingIsCountedOrRefused() {
        GuessLimiter limiter = limiter(0, 100);
        for (int i = 0; i < 10; i++) {
            limiter.failed("192.0.2.7", "wrong-" + i);
        }

        assertEquals(0, limiter.refusedFor("192.0.2.7"));
        assertEquals(0, limiter.trackedClients());
    }

    @Test
    void anIpv6AddressCountsByItsSlash64AndAnIpv4OneByItself() {
        assertEquals(GuessLimiter.client("2001:db8:1:2:aaaa::1"), GuessLimiter.client("2001:db8:1:2:bbbb:cccc:dddd:2"));
        assertNotEquals(GuessLimiter.client("2001:db8:1:2::1"), GuessLimiter.client("2001:db8:1:3::1"));
        assertEquals("2001:db8:1:2:0:0:0:0/64", GuessLimiter.client("2001:db8:1:2::1"));
        assertEquals("192.0.2.7", GuessLimiter.client("192.0.2.7"));
        assertEquals("192.0.2.7", GuessLimiter.client("::ffff:192.0.2.7"));
    }

    /** A request is read for its address only when a limit is on and some address has failed. */
    @Test
    void readsNoRequestsAddressUntilSomeAddressHasFailed() {
        AtomicInteger reads = new AtomicInteger();
        Exchange request = (Exchange) Proxy.newProxyInstance(Exchange.class.getClassLoader(),
                new Class<?>[] {Exchange.class}, (proxy, method, args) -> {
                    reads.incrementAndGet();
                    return null;
                });
        GuessLimiter limiter = limiter(3, 100);

        limiter.admit(request);
        assertFalse(limiter.refuses(request));
        GuessLimiter.OFF.admit(request);
        GuessLimiter.OFF.failed(request, "a");
        assertEquals(0, reads.get());

        limiter.failed("192.0.2.7", "a");
        limiter.admit(request);
        assertTrue(reads.get() > 0, "read once an address has failed");
    }
}
