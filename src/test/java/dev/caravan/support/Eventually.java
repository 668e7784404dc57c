package dev.caravan.support;

import java.util.Optional;

import static org.junit.jupiter.api.Assertions.fail;

/** Polling for what a running gateway does a moment later (a reload, a record written behind). */
public final class Eventually {

    private static final long POLL_MILLIS = 20;

    private Eventually() {
    }

    public interface Check {
        boolean ok() throws Exception;
    }

    public interface Lookup<T> {
        Optional<T> find() throws Exception;
    }

    /** Polls until {@code check} holds and answers the moment it did (epoch millis); fails after {@code millis}. */
    public static long until(Check check, long millis, String what) throws Exception {
        until(() -> check.ok() ? Optional.of(Boolean.TRUE) : Optional.empty(), millis, what);
        return System.currentTimeMillis();
    }

    /** Polls until {@code lookup} finds something and answers it; fails after {@code millis}. */
    public static <T> T until(Lookup<T> lookup, long millis, String what) throws Exception {
        long deadline = System.currentTimeMillis() + millis;
        while (true) {
            Optional<T> found = lookup.find();
            if (found.isPresent()) {
                return found.get();
            }
            if (System.currentTimeMillis() > deadline) {
                return fail("not within " + millis + " ms: " + what);
            }
            Thread.sleep(POLL_MILLIS);
        }
    }
}
