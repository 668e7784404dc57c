package dev.caravan.ops;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.logging.LogManager;

/**
 * The gateway's logging, set up before anything logs: SLF4J (Camel's, Vert.x's and the gateway's own logging API)
 * writes through java.util.logging, the JDK's own.
 * Lines for people by default; one JSON object per line with {@code CARAVAN_LOG_FORMAT=json} (or
 * {@code -Dcaravan.log.format=json}). A logging configuration of one's own, {@code
 * -Djava.util.logging.config.file=...}, replaces the bundled ones ({@code logging.properties} and
 * {@code logging-json.properties} in the jar are where to start from).
 */
public final class LogSetup {

    static final String MANAGER = "java.util.logging.manager";
    static final String CONFIG_FILE = "java.util.logging.config.file";
    static final String CONFIG_CLASS = "java.util.logging.config.class";

    private LogSetup() {
    }

    /** Call first in {@code main}: the LogManager is chosen when java.util.logging is first used. */
    public static void install() {
        if (System.getProperty(MANAGER) == null) {
            System.setProperty(MANAGER, LateResetLogManager.class.getName());
        }
        if (System.getProperty(CONFIG_FILE) != null || System.getProperty(CONFIG_CLASS) != null) {
            return; // the LogManager reads that one itself
        }
        String resource = bundled(format(System.getProperty("caravan.log.format"), System.getenv("CARAVAN_LOG_FORMAT")));
        try (InputStream in = LogSetup.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            LogManager.getLogManager().readConfiguration(in);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
    }

    /** The format asked for: the system property first, then the environment, else {@code text}. */
    static String format(String property, String environment) {
        String chosen = property != null && !property.isBlank() ? property
                : environment != null && !environment.isBlank() ? environment : "text";
        return chosen.trim().toLowerCase(Locale.ROOT);
    }

    static String bundled(String format) {
        return switch (format) {
            case "text" -> "logging.properties";
            case "json" -> "logging-json.properties";
            default -> throw new IllegalArgumentException("CARAVAN_LOG_FORMAT (caravan.log.format) must be text or json, not "
                    + format);
        };
    }
}
