package dev.caravan.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.concurrent.TimeUnit;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Logging as the launcher sets it up, in a process of its own: both formats, and lines logged while it stops. */
class LoggingProcessTest {

    private static List<String> run(String format) throws Exception {
        return run(format, List.of("-cp", System.getProperty("java.class.path"), LoggingProbe.class.getName()));
    }

    private static List<String> run(String format, List<String> launch) throws Exception {
        List<String> command = new ArrayList<>(List.of(Path.of(System.getProperty("java.home"), "bin", "java").toString()));
        command.addAll(launch);
        ProcessBuilder builder = new ProcessBuilder(command).redirectErrorStream(true);
        builder.environment().keySet().removeIf(k -> k.startsWith("CARAVAN_") || k.startsWith("JAVA_TOOL"));
        if (format != null) {
            builder.environment().put("CARAVAN_LOG_FORMAT", format);
        }
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the probe ended");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        return new ArrayList<>(out.lines().toList());
    }

    @Test
    void linesForPeopleByDefaultAndLinesWrittenAfterTheLogManagersShutdownHook() throws Exception {
        List<String> lines = run(null);
        assertTrue(lines.stream().anyMatch(l -> l.matches(".* INFO  \\[main] LoggingProbe - started as probe")), 
                String.join("\n", lines));
        assertFalse(lines.stream().anyMatch(l -> l.contains("not at the default level")), String.join("\n", lines));
        assertEquals(2, lines.stream().filter(l -> l.endsWith("] access - request_id=req_probe status=ok")).count(),
                String.join("\n", lines));
        assertTrue(lines.stream().anyMatch(l -> l.contains(" WARN  [") && l.endsWith("LoggingProbe - logged while shutting down")),
                String.join("\n", lines));
    }

    @Test
    void theSameLinesWhenTheGatewaysClassesAreNotOnTheSystemClassPath(@TempDir Path dir) throws Exception {
        // mvn exec:java (the README's way to run it) loads the gateway in a class loader of its own, where
        // java.util.logging cannot find the handlers and formatters the configuration names.
        Path launcher = dir.resolve("dev/caravan/ops/IsolatedLaunch.class");
        Files.createDirectories(launcher.getParent());
        try (InputStream in = IsolatedLaunch.class.getResourceAsStream("IsolatedLaunch.class")) {
            Files.copy(in, launcher);
        }
        List<String> lines = run(null, List.of("-cp", dir.toString(), IsolatedLaunch.class.getName(),
                System.getProperty("java.class.path"), LoggingProbe.class.getName()));
        String all = String.join("\n", lines);
        assertFalse(all.contains("Can't load log handler"), all);
        assertTrue(lines.stream().anyMatch(l -> l.matches(".* INFO  \\[main] LoggingProbe - started as probe")), all);
        assertTrue(lines.stream().anyMatch(l -> l.endsWith("] access - request_id=req_probe status=ok")), all);
    }

    @Test
    void aConfigurationOfOnesOwnReplacesTheBundledOneButNeverUnpinsTheSecretPrinters(@TempDir Path dir)
            throws Exception {
        Path own = dir.resolve("logging.properties");
        Files.writeString(own, """
                handlers = dev.caravan.ops.StdoutHandler
                dev.caravan.ops.StdoutHandler.formatter = dev.caravan.ops.EcsJsonFormatter
                .level = FINE
                caravan.access.handlers = dev.caravan.ops.BatchedStdoutHandler
                caravan.access.useParentHandlers = false
                """);
        Path launcher = dir.resolve("dev/caravan/ops/IsolatedLaunch.class");
        Files.createDirectories(launcher.getParent());
        try (InputStream in = IsolatedLaunch.class.getResourceAsStream("IsolatedLaunch.class")) {
            Files.copy(in, launcher);
        }
        String config = "-Djava.util.logging.config.file=" + own;
        for (List<String> launch : List.of(
                List.of(config, "-cp", System.getProperty("java.class.path"), LoggingProbe.class.getName()),
                List.of(config, "-cp", dir.toString(), IsolatedLaunch.class.getName(),
                        System.getProperty("java.class.path"), LoggingProbe.class.getName()))) {
            List<String> lines = run(null, launch);
            String all = String.join("\n", lines);
            assertFalse(all.contains("Can't load log handler"), all);
            assertTrue(lines.stream().anyMatch(l -> l.contains("\"message\":\"not at the default level\"")
                    && l.contains("\"log.level\":\"DEBUG\"")), "its own level and format: " + all);
            assertTrue(lines.stream().anyMatch(l -> l.contains("request_id=req_probe")), "its access handler: " + all);
            assertFalse(all.contains("sk-probe"), "a property logger printed a secret at DEBUG: " + all);
        }
    }

    @Test
    void jsonLinesWithCaravanLogFormat() throws Exception {
        List<String> lines = run("json");
        JsonMapper mapper = JsonMapper.builder().build();
        List<JsonNode> events = new ArrayList<>();
        for (String line : lines) {
            events.add(mapper.readTree(line)); // every line is one JSON object
        }
        assertTrue(events.stream().anyMatch(e -> e.get("message").asText().equals("started as probe")
                && e.get("log.level").asText().equals("INFO")
                && e.get("log.logger").asText().equals(LoggingProbe.class.getName())), lines.toString());
        assertEquals(2, events.stream().filter(e -> e.get("log.logger").asText().equals("caravan.access")).count());
        assertTrue(events.stream().anyMatch(e -> e.get("message").asText().equals("logged while shutting down")));
    }

    @Test
    void anUnknownFormatStopsTheLauncherWithItsReason() throws Exception {
        ProcessBuilder builder = new ProcessBuilder(Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-cp", System.getProperty("java.class.path"), "dev.caravan.Caravan").redirectErrorStream(true);
        builder.environment().put("CARAVAN_LOG_FORMAT", "xml");
        Process process = builder.start();
        assertTrue(process.waitFor(60, TimeUnit.SECONDS), "the launcher ended");
        String out = new String(process.getInputStream().readAllBytes(), StandardCharsets.UTF_8);
        assertEquals(1, process.exitValue(), out);
        assertTrue(out.contains("Caravan could not start: CARAVAN_LOG_FORMAT (caravan.log.format) must be text or json, not xml"),
                out);
    }
}
