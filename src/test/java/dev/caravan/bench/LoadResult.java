package dev.caravan.bench;

import java.util.Arrays;

/** One load point: who was measured, at what concurrency, and the figures (latencies in milliseconds). */
public record LoadResult(String target, int concurrency, String tool, double seconds, long requests, long errors,
                         double requestsPerSecond, double p50Ms, double p99Ms) {

    /** Builds the figures from raw per-request latencies in nanoseconds. */
    static LoadResult of(String target, int concurrency, String tool, double seconds, long[] latenciesNs, int count,
                         long errors) {
        long[] sorted = Arrays.copyOf(latenciesNs, count);
        Arrays.sort(sorted);
        return new LoadResult(target, concurrency, tool, seconds, count, errors, count / seconds,
                percentile(sorted, 50) / 1e6, percentile(sorted, 99) / 1e6);
    }

    /** Nearest-rank percentile of sorted values; NaN when there are none. */
    static double percentile(long[] sorted, double p) {
        if (sorted.length == 0) {
            return Double.NaN;
        }
        int rank = (int) Math.ceil(p / 100.0 * sorted.length);
        return sorted[Math.max(0, Math.min(sorted.length - 1, rank - 1))];
    }

    static double median(long[] values) {
        long[] sorted = values.clone();
        Arrays.sort(sorted);
        return percentile(sorted, 50);
    }
}
