package dev.caravan.ledger;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeFormatter;

/** The UTC periods spend is counted and budgeted over, with their keys ({@code 2025-06-15}, {@code 2025-06}). */
public enum Period {
    DAY, MONTH;

    private static final DateTimeFormatter MONTH_KEY = DateTimeFormatter.ofPattern("yyyy-MM");

    /** The key of the last day asked for: nearly every request and record asks for today's (no formatting then). */
    private volatile DayKey last;

    private record DayKey(long epochDay, String key) {
    }

    public String key(Instant at) {
        long epochDay = Math.floorDiv(at.getEpochSecond(), 86_400L);
        DayKey cached = last;
        if (cached != null && cached.epochDay() == epochDay) {
            return cached.key();
        }
        LocalDate date = LocalDate.ofEpochDay(epochDay);
        String key = this == DAY ? date.toString() : date.format(MONTH_KEY);
        last = new DayKey(epochDay, key);
        return key;
    }

    /** When the period containing {@code at} ends: the next UTC midnight, or the first of the next month. */
    public Instant resetsAt(Instant at) {
        LocalDate date = LocalDate.ofInstant(at, ZoneOffset.UTC);
        LocalDate next = this == DAY ? date.plusDays(1) : date.withDayOfMonth(1).plusMonths(1);
        return next.atStartOfDay(ZoneOffset.UTC).toInstant();
    }

    /** The name used in configuration and in the API: {@code daily}, {@code monthly}. */
    public String adjective() {
        return this == DAY ? "daily" : "monthly";
    }

    public static Period fromAdjective(String name) {
        return switch (name) {
            case "daily" -> DAY;
            case "monthly" -> MONTH;
            default -> throw new IllegalArgumentException("unknown budget period '" + name + "' (daily, monthly)");
        };
    }
}
