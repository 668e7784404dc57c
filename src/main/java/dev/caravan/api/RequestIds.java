package dev.caravan.api;

import java.util.concurrent.ThreadLocalRandom;

/**
 * The gateway's own request ids: {@code req_} and 32 hex digits, the first 12 the time in milliseconds, the other 20
 * random (80 bits). Time first, so that the cost records' primary key grows at its end: with random ids every insert
 * landed on a random page of the index and the embedded store's CPU per record rose with the table's size.
 */
public final class RequestIds {

    private RequestIds() {
    }

    public static String next() {
        ThreadLocalRandom random = ThreadLocalRandom.current();
        StringBuilder id = new StringBuilder(36).append("req_");
        hex(id, System.currentTimeMillis(), 12);
        hex(id, random.nextLong(), 16);
        hex(id, random.nextInt(), 4);
        return id.toString();
    }

    private static void hex(StringBuilder out, long value, int digits) {
        for (int shift = (digits - 1) * 4; shift >= 0; shift -= 4) {
            out.append(Character.forDigit((int) (value >>> shift) & 0xf, 16));
        }
    }
}
