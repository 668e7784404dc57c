package dev.caravan.bench;

import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.SerializationFeature;
import io.vertx.core.Vertx;
import io.vertx.core.VertxOptions;

import java.io.IOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDateTime;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Collectors;

/**
 * Caravan's benchmark (issue 8): a fast fake OpenAI upstream, a load generator and the gateway, all on 127.0.0.1.
 * One run measures non-streaming latency and throughput directly and through the gateway, the time to first token
 * added to streams, the gateway's memory at idle and with many open streams, and its start-up time; it writes the
 * figures to a Markdown and a JSON file and prints the summary. Run it with {@code bench/run.sh} (see bench/README.md).
 */
public final class Bench {

    /**
     * The JVM options of the README's launcher recipe (section "Deployment"): a bounded heap with a large young
     * generation, the serial collector, and transparent huge pages for the heap and the compiled code (fewer TLB
     * misses on the request path).
     */
    static final List<String> LAUNCHER_JVM_OPTIONS = List.of("-Xmx256m", "-Xmn170m", "-XX:+UseSerialGC",
            "-XX:+UseTransparentHugePages");

    /** Everything a run can be told; {@link #quick()} and {@link #full()} are the two presets. */
    public static final class Options {
        public boolean quick;
        public String loadgen = "auto";
        public List<Integer> concurrency = List.of(1, 32, 256);
        public double seconds = 10;
        public double warmupSeconds = 2;
        public double gatewayWarmupSeconds = 45;
        /** The warm-up is measured in windows this long: how a fresh gateway's throughput grows (its JIT compiling). */
        public double rampWindowSeconds = 5;
        public int ttftWarmup = 20;
        /** Streams back to back (4 clients) through the gateway and directly before the TTFT samples, as the load phases' warm-up. */
        public double ttftWarmupSeconds = 10;
        public int ttftSamples = 200;
        public long ttftTokenDelayMs = 10;
        public int streams = 1000;
        public long streamTokenDelayMs = 500;
        public int streamTokens = 30;
        public double streamTimeoutSeconds = 40;
        public int workerThreads = 1100;
        /**
         * Launches whose time to the first answer is measured; the start-up reported is their median (one launch
         * varies by a third on a busy machine). The two launches that the streams and the load runs use count.
         */
        public int startupLaunches = 7;
        /** The launcher's JVM options as README's "Deployment" section gives them; --gateway-opt adds to them. */
        public List<String> launcherJvmOptions = new ArrayList<>(LAUNCHER_JVM_OPTIONS);
        public List<String> gatewayJvmOptions = new ArrayList<>();
        public boolean jfr;
        /** Class data sharing as the README's launcher recipe does it (a training launch dumps the archive). */
        public boolean cds = true;
        public Path repoRoot = Path.of("").toAbsolutePath();
        public Path outDir;
        public String gatewayClasspath;
        public Duration startTimeout = Duration.ofSeconds(60);

        public static Options full() {
            return new Options();
        }

        public static Options quick() {
            Options o = new Options();
            o.quick = true;
            o.loadgen = "java";
            o.concurrency = List.of(1, 16);
            o.seconds = 0.7;
            o.warmupSeconds = 0.2;
            o.gatewayWarmupSeconds = 0.5;
            o.ttftWarmup = 1;
            o.ttftWarmupSeconds = 0.3;
            o.ttftSamples = 5;
            o.ttftTokenDelayMs = 5;
            o.streams = 20;
            o.streamTokenDelayMs = 50;
            o.streamTokens = 10;
            o.streamTimeoutSeconds = 10;
            o.workerThreads = 64;
            o.cds = false;
            o.startupLaunches = 1;
            return o;
        }
    }

    /** One target of issue 8 and how this run fared against it. */
    public record Target(String name, String limit, String measured, Boolean met) {
    }

    /** Everything one run measured. */
    public record Report(String startedAt, String mode, Map<String, String> machine, Map<String, Object> conditions,
                         long startupMillis, List<Long> startupLaunchesMillis, List<Double> warmupRamp,
                         long idleRssKib, long idleHwmKib, List<LoadResult> load,
                         List<Map<String, Object>> overhead, Ttft.Result ttft, StreamSoak.Result streams,
                         long finalHwmKib, List<Target> targets, double elapsedSeconds) {
    }

    private static final ObjectMapper JSON = new ObjectMapper().enable(SerializationFeature.INDENT_OUTPUT);

    private Bench() {
    }

    public static void main(String[] args) throws Exception {
        Options options = parse(args);
        Report report = run(options);
        System.out.println();
        System.out.println(summary(report));
        System.exit(0);
    }

    static Options parse(String[] args) {
        boolean quick = Arrays.asList(args).contains("--quick");
        Options o = quick ? Options.quick() : Options.full();
        for (int i = 0; i < args.length; i++) {
            String a = args[i];
            switch (a) {
                case "--quick" -> { }
                case "--loadgen" -> o.loadgen = args[++i];
                case "--concurrency" -> o.concurrency = Arrays.stream(args[++i].split(","))
                        .map(String::trim).map(Integer::valueOf).toList();
                case "--seconds" -> o.seconds = Double.parseDouble(args[++i]);
                case "--warmup-seconds" -> o.warmupSeconds = Double.parseDouble(args[++i]);
                case "--gateway-warmup-seconds" -> o.gatewayWarmupSeconds = Double.parseDouble(args[++i]);
                case "--ramp-window-seconds" -> o.rampWindowSeconds = Double.parseDouble(args[++i]);
                case "--ttft-samples" -> o.ttftSamples = Integer.parseInt(args[++i]);
                case "--ttft-warmup-seconds" -> o.ttftWarmupSeconds = Double.parseDouble(args[++i]);
                case "--ttft-token-delay-ms" -> o.ttftTokenDelayMs = Long.parseLong(args[++i]);
                case "--streams" -> o.streams = Integer.parseInt(args[++i]);
                case "--stream-token-delay-ms" -> o.streamTokenDelayMs = Long.parseLong(args[++i]);
                case "--stream-tokens" -> o.streamTokens = Integer.parseInt(args[++i]);
                case "--stream-timeout-seconds" -> o.streamTimeoutSeconds = Double.parseDouble(args[++i]);
                case "--worker-threads" -> o.workerThreads = Integer.parseInt(args[++i]);
                case "--startup-launches" -> o.startupLaunches = Integer.parseInt(args[++i]);
                case "--gateway-opt" -> o.gatewayJvmOptions.add(args[++i]);
                case "--no-launcher-opts" -> o.launcherJvmOptions.clear();
                case "--no-cds" -> o.cds = false;
                case "--jfr" -> o.jfr = true;
                case "--repo" -> o.repoRoot = Path.of(args[++i]).toAbsolutePath();
                case "--out" -> o.outDir = Path.of(args[++i]).toAbsolutePath();
                case "--gateway-cp" -> o.gatewayClasspath = args[++i];
                default -> throw new IllegalArgumentException("unknown option " + a + " (see bench/README.md)");
            }
        }
        return o;
    }

    /** Runs the whole benchmark, writes the results files and returns what it measured. */
    public static Report run(Options o) throws Exception {
        long begun = System.nanoTime();
        String startedAt = LocalDateTime.now().withNano(0).toString();
        Path out = o.outDir != null ? o.outDir
                : o.repoRoot.resolve(o.quick ? "target/bench" : "bench/results");
        Files.createDirectories(out);
        String stamp = LocalDateTime.now().format(DateTimeFormatter.ofPattern("yyyy-MM-dd-HHmmss"));
        String name = (o.quick ? "quick-" : "") + stamp;
        Map<String, String> machine = Machine.describe();
        Wrk wrk = "java".equals(o.loadgen) ? null : Wrk.find(o.repoRoot);
        if ("wrk".equals(o.loadgen) && wrk == null) {
            throw new IllegalStateException("--loadgen wrk, but no wrk on the PATH");
        }
        String tool = wrk != null ? "wrk" : "java";
        int cores = Runtime.getRuntime().availableProcessors();

        List<String> jvm = new ArrayList<>();
        jvm.addAll(o.launcherJvmOptions);
        jvm.add("-Dcaravan.http.worker-threads=" + o.workerThreads);
        if (o.jfr) {
            jvm.add("-XX:StartFlightRecording=filename=" + out.resolve(name + "-gateway.jfr") + ",settings=profile,dumponexit=true");
        }
        jvm.addAll(o.gatewayJvmOptions);
        Map<String, Object> conditions = new LinkedHashMap<>();
        conditions.put("loadgen", tool);
        conditions.put("secondsPerPoint", o.seconds);
        conditions.put("warmupSecondsPerPoint", o.warmupSeconds);
        conditions.put("gatewayWarmupSeconds", o.gatewayWarmupSeconds);
        conditions.put("rampWindowSeconds", o.rampWindowSeconds);
        conditions.put("rampConcurrency", Math.min(32, maxOf(o.concurrency)));
        conditions.put("ttftWarmupSeconds", o.ttftWarmupSeconds);
        conditions.put("gatewayJvmOptions", String.join(" ", jvm));
        conditions.put("upstream", "Vert.x fake OpenAI in the benchmark's JVM, " + cores + " event loops");
        conditions.put("requestBody", GatewayProcess.CHAT_BODY);
        conditions.put("loadAverageBefore", machine.get("loadAverage"));

        Vertx clientVertx = Vertx.vertx(new VertxOptions().setEventLoopPoolSize(cores).setWorkerPoolSize(2));
        try (FastUpstream upstream = new FastUpstream(cores, o.streamTokens, o.streamTokenDelayMs)) {
            String classpath = o.gatewayClasspath != null ? o.gatewayClasspath : gatewayClasspath();
            if (o.cds) {
                String archive = classDataArchive(o, classpath, jvm, upstream.baseUrl(), out.resolve(name + "-gateway-cds.log"));
                if (archive != null) {
                    jvm.add("-XX:SharedArchiveFile=" + archive);
                    conditions.put("gatewayJvmOptions", String.join(" ", jvm));
                }
            }
            conditions.put("classDataSharing", jvm.stream().anyMatch(a -> a.startsWith("-XX:SharedArchiveFile="))
                    ? "application archive from a training launch (README, Deployment)" : "JDK default only");

            // Full mode launches twice: many open streams on a fresh JVM (memory not yet grown by the throughput
            // runs), then latency and throughput on a second one. Quick mode does it all on one launch.
            List<Long> launches = new ArrayList<>();
            long[] idle = null;
            StreamSoak.Result soak = null;
            // Launches only to measure start-up, beside the two below, which are measured too.
            for (int i = 0; i < o.startupLaunches - (o.quick ? 1 : 2); i++) {
                try (GatewayProcess gateway = new GatewayProcess(o.repoRoot, classpath, jvm, upstream.baseUrl(),
                        out.resolve(name + "-gateway-startup.log"), o.startTimeout)) {
                    launches.add(gateway.startupMillis());
                    say("gateway: start-up launch " + launches.size() + ", first answer " + gateway.startupMillis()
                            + " ms after launch");
                }
            }
            if (!o.quick) {
                Path logA = out.resolve(name + "-gateway-streams.log");
                say("gateway: launching (log " + o.repoRoot.relativize(logA) + ")");
                try (GatewayProcess gateway = new GatewayProcess(o.repoRoot, classpath, jvm, upstream.baseUrl(), logA,
                        o.startTimeout)) {
                    launches.add(gateway.startupMillis());
                    say("gateway: first answer " + gateway.startupMillis() + " ms after launch (pid " + gateway.pid()
                            + ")");
                    idle = idle(gateway, 2000);
                    soak = soak(o, gateway, upstream, clientVertx);
                }
            }

            // Second launch: latency and throughput, then time to first token.
            Path logB = out.resolve(name + "-gateway-load.log");
            say("gateway: launching again (log " + o.repoRoot.relativize(logB) + ")");
            try (GatewayProcess gateway = new GatewayProcess(o.repoRoot, classpath, jvm, upstream.baseUrl(), logB,
                    o.startTimeout)) {
                launches.add(gateway.startupMillis());
                say("gateway: first answer " + gateway.startupMillis() + " ms after launch (pid " + gateway.pid()
                        + ")");
                if (o.quick) {
                    idle = idle(gateway, 200);
                }
                Loader loader = wrk != null
                        ? (t, port, c, w, sec) -> wrk.run(t, port, "/v1/chat/completions", GatewayProcess.CHAT_BODY,
                                c, w, sec)
                        : new JavaLoader(new JavaLoad(clientVertx));
                List<Double> ramp = new ArrayList<>();
                if (o.gatewayWarmupSeconds > 0) {
                    say("gateway: warm-up " + o.gatewayWarmupSeconds + " s at concurrency 32");
                    for (double left = o.gatewayWarmupSeconds; left > 1e-9; left -= o.rampWindowSeconds) {
                        ramp.add((double) Math.round(loader.run("warmup", gateway.port(),
                                Math.min(32, maxOf(o.concurrency)), 0, Math.min(left, o.rampWindowSeconds))
                                .requestsPerSecond()));
                    }
                    say("gateway: warm-up, requests/s per window: " + ramp);
                }
                List<LoadResult> load = new ArrayList<>();
                List<Map<String, Object>> overhead = new ArrayList<>();
                for (int c : o.concurrency) {
                    LoadResult direct = loader.run("direct", upstream.port(), c, o.warmupSeconds, o.seconds);
                    say(line(direct));
                    // The gateway's warm-up apart, so that its CPU time counts the measured requests only.
                    if (o.warmupSeconds > 0) {
                        loader.run("warmup", gateway.port(), c, 0, o.warmupSeconds);
                    }
                    long ticksBefore = gateway.cpuTicks();
                    LoadResult via = loader.run("gateway", gateway.port(), c, 0, o.seconds);
                    double cpuMicros = gateway.cpuMicrosPerRequestSince(ticksBefore, via.requests());
                    say(line(via) + String.format(Locale.ROOT, ", gateway CPU %.1f us/request", cpuMicros));
                    load.add(direct);
                    load.add(via);
                    Map<String, Object> row = new LinkedHashMap<>();
                    row.put("concurrency", c);
                    row.put("addedP50Ms", round(via.p50Ms() - direct.p50Ms()));
                    row.put("addedP99Ms", round(via.p99Ms() - direct.p99Ms()));
                    row.put("p50Ratio", round(via.p50Ms() / direct.p50Ms()));
                    row.put("p99Ratio", round(via.p99Ms() / direct.p99Ms()));
                    row.put("throughputRatio", round(via.requestsPerSecond() / direct.requestsPerSecond()));
                    row.put("gatewayCpuMicrosPerRequest", Double.isNaN(cpuMicros) ? null : round(cpuMicros));
                    overhead.add(row);
                }

                say("ttft: " + o.ttftSamples + " streams each way, tokens " + o.ttftTokenDelayMs + " ms apart");
                Ttft ttftRun = new Ttft();
                int warmed = ttftRun.warm(gateway.port(), o.ttftWarmupSeconds, 4)
                        + ttftRun.warm(upstream.port(), o.ttftWarmupSeconds, 4);
                say("ttft: warmed with " + warmed + " short streams (" + o.ttftWarmupSeconds + " s each way)");
                Ttft.Result ttft = ttftRun.run(upstream, gateway.port(), o.ttftWarmup, o.ttftSamples,
                        o.ttftTokenDelayMs, 2);
                say(String.format(Locale.ROOT, "ttft: direct p50 %.2f ms, gateway p50 %.2f ms, added %.2f ms",
                        ttft.directP50Ms(), ttft.gatewayP50Ms(), ttft.addedP50Ms()));
                say(String.format(Locale.ROOT, "ttft: way in p50 direct %.3f ms, gateway %.3f ms; relay of the first "
                        + "token p50 direct %.3f ms, gateway %.3f ms", ttft.directWayInP50Ms(),
                        ttft.gatewayWayInP50Ms(), ttft.directRelayP50Ms(), ttft.gatewayRelayP50Ms()));
                if (soak == null) {
                    soak = soak(o, gateway, upstream, clientVertx);
                }
                long finalHwm = gateway.memoryKib()[1];
                machine.put("loadAverageAfter", Machine.loadAverage());
                long startup = median(launches);
                Report report = new Report(startedAt, o.quick ? "quick" : "full", machine, conditions, startup,
                        launches, ramp, idle[0], idle[1], load, overhead, ttft, soak, finalHwm,
                        targets(startup, launches.size(), overhead, load, ttft, soak),
                        round((System.nanoTime() - begun) / 1e9));
                Files.writeString(out.resolve(name + ".json"), JSON.writeValueAsString(report));
                Files.writeString(out.resolve(name + ".md"), markdown(report), StandardCharsets.UTF_8);
                say("results: " + o.repoRoot.relativize(out.resolve(name + ".md")) + " and .json");
                return report;
            }
        } finally {
            clientVertx.close().toCompletionStage().toCompletableFuture().get(10, TimeUnit.SECONDS);
        }
    }

    private static long[] idle(GatewayProcess gateway, long settleMillis) throws InterruptedException {
        Thread.sleep(settleMillis);
        long[] idle = gateway.memoryKib();
        say("gateway: idle VmRSS " + mib(idle[0]) + " MiB, VmHWM " + mib(idle[1]) + " MiB");
        return idle;
    }

    private static StreamSoak.Result soak(Options o, GatewayProcess gateway, FastUpstream upstream, Vertx vertx)
            throws InterruptedException {
        say("streams: opening " + o.streams + " streams (" + o.streamTokens + " tokens, " + o.streamTokenDelayMs
                + " ms apart), at most " + o.streamTimeoutSeconds + " s");
        StreamSoak.Result soak = new StreamSoak(vertx).run(gateway, () -> (int) upstream.openStreams(), o.streams,
                o.streamTokenDelayMs, o.streamTokens, o.streamTimeoutSeconds);
        say("streams: " + soak.firstTokens() + " got a first token, peak open at the client "
                + soak.peakOpenAtClient() + ", at the upstream " + soak.peakOpenAtUpstream() + "; peak VmRSS "
                + mib(soak.peakRssKib()) + " MiB, " + soak.peakThreads() + " threads");
        return soak;
    }

    @FunctionalInterface
    private interface Loader {
        LoadResult run(String target, int port, int concurrency, double warmupSeconds, double seconds)
                throws Exception;
    }

    private record JavaLoader(JavaLoad load) implements Loader {
        @Override
        public LoadResult run(String target, int port, int concurrency, double warmupSeconds, double seconds)
                throws Exception {
            return load.run(target, port, "/v1/chat/completions", GatewayProcess.CHAT_BODY, concurrency,
                    warmupSeconds, seconds);
        }
    }

    /** This JVM's class path without the test classes: the gateway's own classes and dependencies. */
    /**
     * The launcher's class-data-sharing archive: one training launch with {@code -XX:ArchiveClassesAtExit} that
     * answers a request and stops. Null (and a note) when the class path has a directory, which the JVM cannot
     * archive (bench/run.sh passes the packaged jar).
     */
    private static String classDataArchive(Options o, String classpath, List<String> jvm, String upstreamUrl, Path log)
            throws IOException, InterruptedException {
        for (String entry : classpath.split(java.io.File.pathSeparator)) {
            if (Files.isDirectory(Path.of(entry))) {
                say("cds: the class path has a directory (" + entry + "); no application archive");
                return null;
            }
        }
        Path archive = o.repoRoot.resolve("target/bench/caravan-cds.jsa").toAbsolutePath();
        Files.createDirectories(archive.getParent());
        Files.deleteIfExists(archive);
        List<String> training = new ArrayList<>(jvm);
        training.add("-XX:ArchiveClassesAtExit=" + archive);
        say("cds: training launch to dump " + o.repoRoot.relativize(archive));
        try (GatewayProcess gateway = new GatewayProcess(o.repoRoot, classpath, training, upstreamUrl, log,
                o.startTimeout)) {
            say("cds: training launch answered after " + gateway.startupMillis() + " ms");
        }
        if (!Files.isRegularFile(archive)) {
            say("cds: no archive was written (see " + o.repoRoot.relativize(log) + ")");
            return null;
        }
        // Relative to the repository root, the gateway's working directory: no machine path in the results.
        return o.repoRoot.toAbsolutePath().relativize(archive).toString();
    }

    static String gatewayClasspath() {
        return Arrays.stream(System.getProperty("java.class.path").split(java.io.File.pathSeparator))
                .filter(e -> !e.endsWith("test-classes") && !e.endsWith("test-classes/"))
                .collect(Collectors.joining(java.io.File.pathSeparator));
    }

    /** The median of whole milliseconds (the mean of the middle two for an even count). */
    static long median(List<Long> values) {
        List<Long> sorted = values.stream().sorted().toList();
        int n = sorted.size();
        return n % 2 == 1 ? sorted.get(n / 2) : Math.round((sorted.get(n / 2 - 1) + sorted.get(n / 2)) / 2.0);
    }

    static List<Target> targets(long startup, int launches, List<Map<String, Object>> overhead, List<LoadResult> load,
                                Ttft.Result ttft, StreamSoak.Result soak) {
        List<Target> out = new ArrayList<>();
        for (Map<String, Object> row : overhead) {
            int c = (int) row.get("concurrency");
            double p50 = (double) row.get("addedP50Ms");
            double p99 = (double) row.get("addedP99Ms");
            if (c == 1) {
                out.add(new Target("added latency p50 at concurrency 1", "<= 0.3 ms", fmt(p50) + " ms", p50 <= 0.3));
            } else if (c == 32) {
                out.add(new Target("added latency p50 at concurrency 32", "<= 1 ms", fmt(p50) + " ms", p50 <= 1));
                out.add(new Target("added latency p99 at concurrency 32", "<= 5 ms", fmt(p99) + " ms", p99 <= 5));
            }
        }
        load.stream().filter(r -> r.target().equals("gateway") && r.concurrency() == 32).findFirst().ifPresent(r ->
                out.add(new Target("requests/s through the gateway at concurrency 32", ">= 8000",
                        String.format(Locale.ROOT, "%.0f", r.requestsPerSecond()), r.requestsPerSecond() >= 8000)));
        out.add(new Target("added time to first token, p50", "<= 1 ms", fmt(ttft.addedP50Ms()) + " ms",
                ttft.addedP50Ms() <= 1));
        boolean allOpen = soak.peakOpenAtClient() >= soak.streams();
        out.add(new Target(soak.streams() + " concurrent open streams in under 512 MiB RSS",
                "all open, RSS < 512 MiB", soak.peakOpenAtClient() + " open at once, peak VmRSS "
                + mib(soak.peakRssKib()) + " MiB", allOpen && soak.peakRssKib() < 512 * 1024));
        out.add(new Target("start-up (launch to first answered request)", "< 1500 ms",
                launches == 1 ? startup + " ms" : "median " + startup + " ms of " + launches + " launches",
                startup < 1500));
        return out;
    }

    static String markdown(Report r) {
        StringBuilder s = new StringBuilder();
        s.append("# Caravan benchmark, ").append(r.startedAt()).append(" (").append(r.mode()).append(" mode)\n\n");
        s.append("Everything on 127.0.0.1 on one machine: the load generator, the fake upstream and the gateway ")
                .append("share its cores. Produced by `bench/run.sh").append("quick".equals(r.mode()) ? " --quick" : "")
                .append("`.\n\n## Machine\n\n");
        r.machine().forEach((k, v) -> s.append("- ").append(k).append(": ").append(v).append('\n'));
        s.append("\n## Conditions\n\n");
        r.conditions().forEach((k, v) -> s.append("- ").append(k).append(": `").append(v).append("`\n"));
        s.append("\n## Summary\n\n```\n").append(summary(r)).append("```\n");
        s.append("\n## Targets (issue 8)\n\n| target | limit | measured | met |\n|---|---|---|---|\n");
        for (Target t : r.targets()) {
            s.append("| ").append(t.name()).append(" | ").append(t.limit()).append(" | ").append(t.measured())
                    .append(" | ").append(t.met() == null ? "n/a" : t.met() ? "yes" : "**no**").append(" |\n");
        }
        if (!r.warmupRamp().isEmpty()) {
            s.append("\n## Warm-up\n\n").append(String.format(Locale.ROOT, "Requests/s through the freshly launched "
                    + "gateway at concurrency %s, in consecutive windows of %s s from its first answer (the warm-up "
                    + "before the load points; its JIT compilers at work): %s.%n",
                    r.conditions().get("rampConcurrency"),
                    r.conditions().get("rampWindowSeconds"), r.warmupRamp().stream()
                            .map(v -> String.format(Locale.ROOT, "%,.0f", v)).collect(Collectors.joining(", "))));
        }
        StreamSoak.Result st = r.streams();
        s.append("\n## Streams\n\n").append(String.format(Locale.ROOT,
                "%d streaming requests opened at once through the gateway (in full mode a fresh launch, before any other load; upstream: %d tokens, %d ms apart; "
                        + "bounded at the time below). First token received: %d; completed: %d; failed or cut at "
                        + "the bound: %d; peak open at once seen by the client: %d, by the upstream: %d; time until "
                        + "every stream had its first token: %s; peak gateway VmRSS sampled every 100 ms: %.1f MiB; "
                        + "gateway VmHWM after the streams: %.1f MiB; peak gateway threads: %d; elapsed %.1f s.\n",
                st.streams(), st.tokens(), st.tokenDelayMs(), st.firstTokens(), st.completed(),
                st.streams() - st.completed(), st.peakOpenAtClient(), st.peakOpenAtUpstream(),
                st.millisToAllFirstTokens() < 0 ? "never (within the bound)" : st.millisToAllFirstTokens() + " ms",
                st.peakRssKib() / 1024.0, st.hwmKib() / 1024.0, st.peakThreads(), st.elapsedSeconds()));
        s.append("\nThe whole run took ").append(r.elapsedSeconds()).append(" s.\n");
        return s.toString();
    }

    static String summary(Report r) {
        StringBuilder s = new StringBuilder();
        s.append(String.format(Locale.ROOT, "%-5s %-8s %10s %9s %9s   %9s %9s %7s %11s%n", "conc", "target", "req/s",
                "p50 ms", "p99 ms", "+p50 ms", "+p99 ms", "x rps", "CPU us/req"));
        for (Map<String, Object> row : r.overhead()) {
            int c = (int) row.get("concurrency");
            for (LoadResult l : r.load()) {
                if (l.concurrency() != c) {
                    continue;
                }
                boolean via = l.target().equals("gateway");
                Object cpu = row.get("gatewayCpuMicrosPerRequest");
                s.append(String.format(Locale.ROOT, "%-5d %-8s %10.0f %9.3f %9.3f   %9s %9s %7s %11s%n", c, l.target(),
                        l.requestsPerSecond(), l.p50Ms(), l.p99Ms(), via ? fmt((double) row.get("addedP50Ms")) : "",
                        via ? fmt((double) row.get("addedP99Ms")) : "",
                        via ? fmt((double) row.get("throughputRatio")) : "",
                        via && cpu != null ? String.format(Locale.ROOT, "%.1f", (double) cpu) : ""));
                if (l.errors() > 0) {
                    s.append("      (").append(l.errors()).append(" errors)\n");
                }
            }
        }
        Ttft.Result t = r.ttft();
        s.append(String.format(Locale.ROOT, "TTFT p50: direct %.2f ms, gateway %.2f ms, added %.2f ms (%d samples, "
                + "%d failed)%n", t.directP50Ms(), t.gatewayP50Ms(), t.addedP50Ms(), t.samples(), t.failures()));
        s.append(String.format(Locale.ROOT, "  of which p50 way in: direct %.3f ms, gateway %.3f ms; relay of the first "
                + "token: direct %.3f ms, gateway %.3f ms%n", t.directWayInP50Ms(), t.gatewayWayInP50Ms(),
                t.directRelayP50Ms(), t.gatewayRelayP50Ms()));
        s.append(String.format(Locale.ROOT, "start-up: median %d ms of %d launches (%s ms); idle VmRSS %.1f MiB; %d "
                        + "streams: %d open at once, peak VmRSS %.1f MiB; VmHWM after the load runs %.1f MiB%n",
                r.startupMillis(), r.startupLaunchesMillis().size(), r.startupLaunchesMillis().stream()
                        .map(String::valueOf).collect(Collectors.joining(", ")), r.idleRssKib() / 1024.0,
                r.streams().streams(), r.streams().peakOpenAtClient(), r.streams().peakRssKib() / 1024.0,
                r.finalHwmKib() / 1024.0));
        for (Target target : r.targets()) {
            s.append(String.format(Locale.ROOT, "  [%s] %s: %s (limit %s)%n",
                    target.met() == null ? "n/a" : target.met() ? "met" : "MISSED", target.name(), target.measured(),
                    target.limit()));
        }
        return s.toString();
    }

    private static String line(LoadResult r) {
        return String.format(Locale.ROOT, "%-7s c=%-3d %8.0f req/s  p50 %7.3f ms  p99 %7.3f ms  (%d requests, %d errors, %s)",
                r.target(), r.concurrency(), r.requestsPerSecond(), r.p50Ms(), r.p99Ms(), r.requests(), r.errors(),
                r.tool());
    }

    private static int maxOf(List<Integer> values) {
        return values.stream().mapToInt(Integer::intValue).max().orElse(1);
    }

    private static double round(double v) {
        return Math.round(v * 1000) / 1000.0;
    }

    private static String fmt(double v) {
        return String.format(Locale.ROOT, "%.3f", v);
    }

    static String mib(long kib) {
        return String.format(Locale.ROOT, "%.1f", kib / 1024.0);
    }

    static void say(String message) {
        System.out.println("[bench] " + message);
        System.out.flush();
    }

    /** Facts about the machine the figures came from. */
    static final class Machine {
        private Machine() {
        }

        static Map<String, String> describe() {
            Map<String, String> m = new LinkedHashMap<>();
            m.put("nproc", Integer.toString(Runtime.getRuntime().availableProcessors()));
            m.put("cpu", first("/proc/cpuinfo", "model name"));
            String mem = first("/proc/meminfo", "MemTotal");
            m.put("memory", mem);
            m.put("kernel", read("/proc/sys/kernel/osrelease"));
            m.put("java", System.getProperty("java.vm.name") + " " + System.getProperty("java.runtime.version"));
            // The launcher's -XX:+UseTransparentHugePages only takes effect in the modes madvise and always.
            m.put("transparentHugePages", read("/sys/kernel/mm/transparent_hugepage/enabled"));
            m.put("loadAverage", loadAverage());
            return m;
        }

        static String loadAverage() {
            return read("/proc/loadavg");
        }

        private static String first(String file, String key) {
            try {
                for (String line : Files.readAllLines(Path.of(file))) {
                    if (line.startsWith(key)) {
                        return line.substring(line.indexOf(':') + 1).trim();
                    }
                }
            } catch (IOException e) {
                // not Linux
            }
            return "unknown";
        }

        private static String read(String file) {
            try {
                return Files.readString(Path.of(file)).trim();
            } catch (IOException e) {
                return "unknown";
            }
        }
    }
}
