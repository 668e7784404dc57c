package dev.caravan.ops;

import java.io.ByteArrayInputStream;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.util.Locale;
import java.util.Properties;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.LogManager;
import java.util.logging.Logger;

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
    static final String ACCESS = "caravan.access";
    /** Held: java.util.logging keeps loggers only weakly, and a new one would come without its handler. */
    private static volatile Logger accessLogger;

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
        Properties config = new Properties();
        try (InputStream in = LogSetup.class.getResourceAsStream("/" + resource)) {
            if (in == null) {
                throw new IllegalStateException(resource + " is missing from the class path");
            }
            config.load(in);
            // java.util.logging makes the handlers and formatters a file names from the system class loader only,
            // which does not hold the gateway's classes when it runs inside Maven (mvn exec:java): they are made here.
            String rootHandlers = (String) config.remove("handlers");
            String accessHandlers = (String) config.remove(ACCESS + ".handlers");
            ByteArrayOutputStream levels = new ByteArrayOutputStream();
            config.store(levels, null);
            LogManager.getLogManager().readConfiguration(new ByteArrayInputStream(levels.toByteArray()));
            attach(Logger.getLogger(""), rootHandlers, config);
            accessLogger = Logger.getLogger(ACCESS);
            attach(accessLogger, accessHandlers, config);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read " + resource, e);
        }
    }

    private static void attach(Logger logger, String handlers, Properties config) {
        if (handlers == null) {
            return;
        }
        for (String name : handlers.trim().split("[,\\s]+")) {
            Handler handler = (Handler) instance(name);
            String formatter = config.getProperty(name + ".formatter");
            if (formatter != null) {
                handler.setFormatter((Formatter) instance(formatter.trim()));
            }
            logger.addHandler(handler);
        }
    }

    static Object instance(String className) {
        try {
            return Class.forName(className, true, LogSetup.class.getClassLoader()).getDeclaredConstructor().newInstance();
        } catch (ReflectiveOperationException | RuntimeException e) {
            throw new IllegalStateException("Cannot make " + className + " for logging: " + e, e);
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
