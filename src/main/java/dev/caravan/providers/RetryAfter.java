package dev.caravan.providers;

import java.util.function.Function;

/** How long an upstream asked us to wait: {@code retry-after-ms}, else {@code retry-after} in seconds, capped. */
public final class RetryAfter {

    private static final long MAX_MILLIS = 60_000;

    private RetryAfter() {
    }

    /** Milliseconds to wait; 0 when the headers are absent, unreadable (an HTTP date) or negative. */
    public static long millis(Function<String, String> header) {
        if (header == null) {
            return 0;
        }
        long millis = read(header.apply("retry-after-ms"), 1);
        if (millis < 0) {
            millis = read(header.apply("retry-after"), 1000);
        }
        return Math.min(MAX_MILLIS, Math.max(0, millis));
    }

    private static long read(String value, int unit) {
        if (value == null || value.isBlank()) {
            return -1;
        }
        try {
            double number = Double.parseDouble(value.trim());
            return Double.isFinite(number) ? Math.max(0, (long) (number * unit)) : -1;
        } catch (NumberFormatException e) {
            return -1;
        }
    }
}
