package dev.caravan.bench;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.List;
import java.util.Locale;
import java.util.Map;

/**
 * What the platform costs before the gateway does anything: the non-streaming points of the benchmark (wrk,
 * concurrency 1 and 32) directly against the fake upstream, against each {@link Floor} and against the gateway, in
 * one run on one upstream, with each server's CPU time per request. {@code bench/run.sh --floors} runs it; the results go
 * to {@code bench/results/<date-time>-floors.md}.
 */
public final class Floors {

    private Floors() {
    }

    public static void main(String[] args) throws Exception {
        double seconds = 10;
        double warmup = 45;
        double gatewayWarmup = 45;
        String gatewayClasspath = null;
        for (int i = 0; i < args.length; i++) {
            switch (args[i]) {
                case "--seconds" -> seconds = Double.parseDouble(args[++i]);
                case "--warmup-seconds" -> warmup = Double.parseDouble(args[++i]);
                case "--gateway-warmup-seconds" -> gatewayWarmup = Double.parseDouble(args[++i]);
                case "--gateway-cp" -> gatewayClasspath = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + args[i]);
            }
        }
        Path root = Path.of("").toAbsolutePath();
        Wrk wrk = Wrk.find(root);
        if (wrk == null) {
            throw new IllegalStateException("the floors are measured with wrk; none on the PATH");
        }
        Path out = root.resolve("bench/results");
        Files.createDirectories(out);
        String name = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss")) + "-floors";
        Map<String, String> machine = Bench.Machine.describe();
        int cores = Runtime.getRuntime().availableProcessors();
        List<Row> rows = new ArrayList<>();
        try (FastUpstream upstream = new FastUpstream(cores, 3, 0)) {
            for (int c : new int[] {1, 32}) {
                rows.add(new Row(wrk.run("direct", upstream.port(), "/v1/chat/completions", GatewayProcess.CHAT_BODY,
                        c, 2, seconds), Double.NaN));
            }
            List<String> servers = new ArrayList<>(Floor.KINDS);
            servers.add("gateway");
            for (String floor : servers) {
                boolean gateway = floor.equals("gateway");
                List<String> jvm = new ArrayList<>(Bench.LAUNCHER_JVM_OPTIONS);
                if (gateway) {
                    jvm.add("-Dcaravan.http.worker-threads=1100");
                }
                Path log = root.resolve("target/bench/" + name + "-" + floor + ".log");
                Files.createDirectories(log.getParent());
                Bench.say("floors: " + floor);
                String classpath = !gateway ? System.getProperty("java.class.path")
                        : gatewayClasspath != null ? gatewayClasspath : Bench.gatewayClasspath();
                List<String> main = gateway ? GatewayProcess.GATEWAY_MAIN : List.of(Floor.class.getName(), floor);
                try (GatewayProcess server = new GatewayProcess(root, classpath, jvm, upstream.baseUrl(), log,
                        Duration.ofSeconds(60), main)) {
                    wrk.run(floor, server.port(), "/v1/chat/completions", GatewayProcess.CHAT_BODY, 32, 0,
                            gateway ? gatewayWarmup : warmup);
                    for (int c : new int[] {1, 32}) {
                        long before = server.cpuTicks();
                        LoadResult r = wrk.run(floor, server.port(), "/v1/chat/completions", GatewayProcess.CHAT_BODY,
                                c, 0, seconds);
                        rows.add(new Row(r, server.cpuMicrosPerRequestSince(before, r.requests())));
                    }
                }
            }
        }
        String report = report(machine, rows, seconds, warmup, gatewayWarmup);
        Files.writeString(out.resolve(name + ".md"), report);
        System.out.print(report);
        Bench.say("results: " + root.relativize(out.resolve(name + ".md")));
    }

    private record Row(LoadResult load, double cpuMicrosPerRequest) {
    }

    private static String report(Map<String, String> machine, List<Row> rows, double seconds, double warmup,
                                 double gatewayWarmup) {
        StringBuilder s = new StringBuilder("# Caravan floors, ").append(LocalDateTime.now().withNano(0)).append("\n\n");
        s.append("What the platform costs before the gateway does anything (`bench/run.sh --floors`, `dev.caravan.bench.Floor`): ")
                .append("wrk against the fake upstream directly, against servers that only answer or only forward, and ")
                .append("against the gateway, one after the other on one upstream, everything on 127.0.0.1.\n\n");
        machine.forEach((k, v) -> s.append("- ").append(k).append(": ").append(v).append('\n'));
        s.append(String.format(Locale.ROOT, "- %.0f s per point after 2 s (direct) or a %.0f s warm-up at concurrency 32 "
                + "(%.0f s for the gateway); JVMs %s%n%n", seconds, warmup, gatewayWarmup, String.join(" ", Bench.LAUNCHER_JVM_OPTIONS)));
        s.append("| server | conc | req/s | p50 ms | p99 ms | +p50 ms | +p99 ms | server CPU us/request |\n");
        s.append("|---|---|---|---|---|---|---|---|\n");
        for (Row row : rows) {
            LoadResult r = row.load();
            LoadResult direct = rows.stream().map(Row::load)
                    .filter(d -> d.target().equals("direct") && d.concurrency() == r.concurrency()).findFirst().orElseThrow();
            boolean isDirect = r.target().equals("direct");
            s.append(String.format(Locale.ROOT, "| %s | %d | %.0f | %.3f | %.3f | %s | %s | %s |%n", r.target(),
                    r.concurrency(), r.requestsPerSecond(), r.p50Ms(), r.p99Ms(),
                    isDirect ? "" : String.format(Locale.ROOT, "%.3f", r.p50Ms() - direct.p50Ms()),
                    isDirect ? "" : String.format(Locale.ROOT, "%.3f", r.p99Ms() - direct.p99Ms()),
                    Double.isNaN(row.cpuMicrosPerRequest()) ? "" : String.format(Locale.ROOT, "%.1f", row.cpuMicrosPerRequest())));
            if (r.errors() > 0) {
                s.append("|  | errors: ").append(r.errors()).append(" |  |  |  |  |  |  |\n");
            }
        }
        return s.toString();
    }
}
