package dev.caravan.api;

import java.time.Instant;
import java.util.Optional;
import java.util.concurrent.ThreadLocalRandom;
import java.util.regex.Pattern;

/**
 * The gateway's own request ids: {@code req_} and 32 hex digits, the first 12 the time in milliseconds, the other 20
 * random (80 bits). Time first, so that ids made one after the other sort together (keys indexed by them grow at
 * the end of the index), and so that an id tells the day its cost record was written ({@link #timeOf}).
 */
public final class RequestIds {

    private RequestIds() {
    }

    private static final String PREFIX = "req_";
    private static final int TIME_DIGITS = 12;
    /** A caller's request id the gateway echoes and records: safe in a header, a log line and a record key. */
    private static final Pattern SAFE_CALLER_ID = Pattern.compile("[A-Za-z0-9._:-]{1,128}");

    /** The caller's own request id ({@code x-request-id}) when the gateway can take it as it is; else null. */
    public static String callersOwn(String header) {
        return header != null && SAFE_CALLER_ID.matcher(header).matches() ? header : null;
    }

    public static String next() {
        StringBuilder id = new StringBuilder(36).append(PREFIX);
        timeFirst(id);
        hex(id, ThreadLocalRandom.current().nextInt(), 4);
        return id.toString();
    }

    /** 28 hex digits: the time in milliseconds (12), then 64 random bits; for other ids that should sort by time. */
    public static String timeFirstHex() {
        return timeFirst(new StringBuilder(28)).toString();
    }

    /** When a gateway request id was made; empty for ids the gateway did not make (a caller's own, a test's). */
    public static Optional<Instant> timeOf(String requestId) {
        if (requestId.length() < PREFIX.length() + TIME_DIGITS || !requestId.startsWith(PREFIX)) {
            return Optional.empty();
        }
        try {
            return Optional.of(Instant.ofEpochMilli(
                    Long.parseLong(requestId, PREFIX.length(), PREFIX.length() + TIME_DIGITS, 16)));
        } catch (NumberFormatException notOurs) {
            return Optional.empty();
        }
    }

    private static StringBuilder timeFirst(StringBuilder out) {
        hex(out, System.currentTimeMillis(), TIME_DIGITS);
        hex(out, ThreadLocalRandom.current().nextLong(), 16);
        return out;
    }

    private static void hex(StringBuilder out, long value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.append(Character.forDigit((int) (value >>> shift) & 0xf, 16));
        }
    }
}
