package dev.caravan.ops;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.json.JsonMapper;
import org.junit.jupiter.api.Test;

import java.io.InputStream;
import java.util.Properties;
import java.util.logging.Level;
import java.util.logging.LogRecord;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** The log lines' two formats, and the two logging configurations the jar brings. */
class LoggingTest {

    private static LogRecord record(Level level, String logger, String message, Throwable thrown) {
        LogRecord record = new LogRecord(level, message);
        record.setLoggerName(logger);
        record.setThrown(thrown);
        return record;
    }

    @Test
    void aLineForPeopleHasTimeLevelThreadLoggerAndMessage() {
        String line = new LineFormatter().format(record(Level.WARNING, "dev.caravan.ops.RouteFileReloader",
                "Refused routes/chat.yaml", null));
        assertTrue(line.matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d,\\d{3} WARN  \\[" + Thread.currentThread().getName()
                + "] RouteFileReloader - Refused routes/chat\\.yaml\n"), line);
    }

    @Test
    void aLineForPeopleEndsWithItsExceptionsStackTrace() {
        String line = new LineFormatter().format(record(Level.SEVERE, "x", "failed", new IllegalStateException("boom")));
        assertTrue(line.contains(" ERROR [") && line.contains("x - failed\njava.lang.IllegalStateException: boom\n\tat "),
                line);
    }

    @Test
    void aJsonLineIsOneEcsObjectOnOneLine() throws Exception {
        String line = new EcsJsonFormatter().format(record(Level.INFO, "caravan.access",
                "request_id=req_1 model=\"a\\\"b\"\nforged", new IllegalArgumentException("bad\ninput")));
        assertTrue(line.endsWith("\n"));
        assertEquals(1, line.lines().count(), "one line: " + line);
        JsonNode json = JsonMapper.builder().build().readTree(line);
        assertEquals("INFO", json.get("log.level").asText());
        assertEquals("request_id=req_1 model=\"a\\\"b\"\nforged", json.get("message").asText());
        assertEquals("caravan.access", json.get("log.logger").asText());
        assertEquals(Thread.currentThread().getName(), json.get("process.thread.name").asText());
        assertEquals("1.2.0", json.get("ecs.version").asText());
        assertTrue(json.get("@timestamp").asText().matches("\\d{4}-\\d\\d-\\d\\dT\\d\\d:\\d\\d:\\d\\d(\\.\\d+)?Z"),
                json.toString());
        assertEquals("java.lang.IllegalArgumentException", json.get("error.type").asText());
        assertEquals("bad\ninput", json.get("error.message").asText());
        assertTrue(json.get("error.stack_trace").asText().contains("\tat dev.caravan.ops.LoggingTest"));
    }

    @Test
    void theConfigurationHandedToTheLogManagerReadsBackAsItWas() throws Exception {
        Properties config = new Properties();
        config.setProperty(".level", "INFO");
        config.setProperty("a key with spaces", " leading space, trailing ");
        config.setProperty("sep=arators:#!", "x=y:z #not a comment !nor this");
        config.setProperty("back\\slash", "C:\\logs\\caravan\ttab\nline\rreturn\fformfeed");
        config.setProperty("unicode", "caf\u00e9 \u2013 \ud83d\ude80");
        config.setProperty("empty", "");

        Properties read = new Properties();
        read.load(new java.io.ByteArrayInputStream(LogSetup.written(config)));

        assertEquals(config, read);
    }

    @Test
    void levelsAreNamedAsSlf4jNamesThem() {
        assertEquals("ERROR", LogLevels.name(Level.SEVERE));
        assertEquals("WARN", LogLevels.name(Level.WARNING));
        assertEquals("INFO", LogLevels.name(Level.INFO));
        assertEquals("INFO", LogLevels.name(Level.CONFIG));
        assertEquals("DEBUG", LogLevels.name(Level.FINE));
        assertEquals("TRACE", LogLevels.name(Level.FINER));
        assertEquals("TRACE", LogLevels.name(Level.FINEST));
    }

    @Test
    void theFormatIsChosenByPropertyThenEnvironment() {
        assertEquals("logging.properties", LogSetup.bundled(LogSetup.format(null, null)));
        assertEquals("logging.properties", LogSetup.bundled(LogSetup.format(" ", "")));
        assertEquals("logging-json.properties", LogSetup.bundled(LogSetup.format(null, "JSON")));
        assertEquals("logging.properties", LogSetup.bundled(LogSetup.format("text", "json")));
        IllegalArgumentException wrong = assertThrows(IllegalArgumentException.class,
                () -> LogSetup.bundled(LogSetup.format(null, "xml")));
        assertTrue(wrong.getMessage().contains("CARAVAN_LOG_FORMAT") && wrong.getMessage().contains("xml"));
    }

    @Test
    void bothBundledConfigurationsPinThePropertyLoggersAndBatchTheAccessLog() throws Exception {
        for (String file : new String[] {"logging.properties", "logging-json.properties"}) {
            Properties config = new Properties();
            try (InputStream in = LoggingTest.class.getResourceAsStream("/" + file)) {
                config.load(in);
            }
            String formatter = file.contains("json") ? EcsJsonFormatter.class.getName() : LineFormatter.class.getName();
            assertEquals(StdoutHandler.class.getName(), config.getProperty("handlers"), file);
            assertEquals(formatter, config.getProperty(StdoutHandler.class.getName() + ".formatter"), file);
            assertEquals(BatchedStdoutHandler.class.getName(), config.getProperty("caravan.access.handlers"), file);
            assertEquals("false", config.getProperty("caravan.access.useParentHandlers"), file);
            assertEquals(formatter, config.getProperty(BatchedStdoutHandler.class.getName() + ".formatter"), file);
            // At DEBUG these print every resolved property value, provider keys included.
            assertEquals("INFO", config.getProperty("org.apache.camel.component.properties.level"), file);
            assertEquals("INFO", config.getProperty("org.apache.camel.impl.engine.DefaultCamelContextExtension.level"),
                    file);
            assertFalse(config.getProperty(".level").startsWith("FINE"), file);
        }
    }
}
