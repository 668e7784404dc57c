package dev.caravan.ops;

import java.io.ByteArrayInputStream;
import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.Properties;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.logging.Formatter;
import java.util.logging.Handler;
import java.util.logging.Level;
import java.util.logging.LogManager;
import java.util.logging.Logger;

/**
 * The gateway's logging, set up before anything logs: SLF4J (Camel's, Vert.x's and the gateway's own logging API)
 * writes through java.util.logging, the JDK's own.
 * Lines for people by default; one JSON object per line with {@code CARAVAN_LOG_FORMAT=json} (or
 * {@code -Dcaravan.log.format=json}). A logging configuration of one's own, {@code
 * -Djava.util.logging.config.file=...}, replaces the bundled ones ({@code logging.properties} and
 * {@code logging-json.properties} in the jar are where to start from). Whatever the configuration, Camel's two
 * property loggers stay at INFO or above: below it they print secrets.
 */
public final class LogSetup {

    static final String MANAGER = "java.util.logging.manager";
    static final String CONFIG_FILE = "java.util.logging.config.file";
    static final String CONFIG_CLASS = "java.util.logging.config.class";
    static final List<String> SECRET_PRINTERS = List.of("org.apache.camel.component.properties",
            "org.apache.camel.impl.engine.DefaultCamelContextExtension");
    /** Held: java.util.logging keeps loggers only weakly, and a new one would come without its handler or level. */
    private static final List<Logger> HELD = new CopyOnWriteArrayList<>();

    private LogSetup() {
    }

    /** Call first in {@code main}: the LogManager is chosen when java.util.logging is first used. */
    public static void install() {
        if (System.getProperty(MANAGER) == null) {
            System.setProperty(MANAGER, LateResetLogManager.class.getName());
        }
        if (System.getProperty(CONFIG_CLASS) == null) {
            String file = System.getProperty(CONFIG_FILE);
            configure(file != null ? file
                    : bundled(format(System.getProperty("caravan.log.format"), System.getenv("CARAVAN_LOG_FORMAT"))),
                    file != null);
        }
        pinSecretPrinters();
    }

    /**
     * Reads a logging configuration (a file, or one of the jar's), makes the handlers and formatters it names, and
     * gives them to their loggers. java.util.logging would make them from the system class loader only, which does
     * not hold the gateway's classes when it runs inside Maven ({@code mvn exec:java}).
     */
    private static void configure(String source, boolean file) {
        Properties config = new Properties();
        try (InputStream in = file ? Files.newInputStream(Path.of(source)) : LogSetup.class.getResourceAsStream("/" + source)) {
            if (in == null) {
                throw new IllegalStateException(source + " is missing from the class path");
            }
            config.load(in);
            Map<String, String> handlers = new LinkedHashMap<>();
            for (String key : config.stringPropertyNames()) {
                if (key.equals("handlers") || key.endsWith(".handlers")) {
                    handlers.put(key.equals("handlers") ? "" : key.substring(0, key.length() - ".handlers".length()),
                            (String) config.remove(key));
                }
            }
            LogManager.getLogManager().readConfiguration(new ByteArrayInputStream(written(config)));
            handlers.forEach((name, classes) -> {
                Logger logger = Logger.getLogger(name);
                HELD.add(logger);
                attach(logger, classes, config);
            });
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot read the logging configuration " + source, e);
        }
    }

    /**
     * The configuration in the properties format, as {@link Properties#store} writes it but without its date comment:
     * formatting that date loads the JDK's time-zone names, a noticeable part of a launch's first second.
     */
    static byte[] written(Properties config) {
        StringBuilder out = new StringBuilder();
        for (String key : config.stringPropertyNames()) {
            escaped(out, key, true);
            out.append('=');
            escaped(out, config.getProperty(key), false);
            out.append('\n');
        }
        return out.toString().getBytes(StandardCharsets.ISO_8859_1);
    }

    /** Escapes as {@link Properties#store} does: a key's spaces, a value's leading one, separators, comment marks. */
    private static void escaped(StringBuilder out, String text, boolean key) {
        for (int i = 0; i < text.length(); i++) {
            char c = text.charAt(i);
            switch (c) {
                case ' ' -> out.append(key || i == 0 ? "\\ " : " ");
                case '\\' -> out.append("\\\\");
                case '\t' -> out.append("\\t");
                case '\n' -> out.append("\\n");
                case '\r' -> out.append("\\r");
                case '\f' -> out.append("\\f");
                case '=', ':', '#', '!' -> out.append('\\').append(c);
                default -> {
                    if (c < 0x20 || c > 0x7e) {
                        out.append(String.format("\\u%04X", (int) c));
                    } else {
                        out.append(c);
                    }
                }
            }
        }
    }

    /**
     * At DEBUG Camel's property loggers print every resolved property value, provider keys included (Camel masks only
     * its INFO summary): they stay at INFO or above whatever a configuration of one's own says.
     */
    static void pinSecretPrinters() {
        for (String name : SECRET_PRINTERS) {
            Logger logger = Logger.getLogger(name);
            HELD.add(logger);
            Logger configured = logger;
            while (configured.getLevel() == null && configured.getParent() != null) {
                configured = configured.getParent();
            }
            Level effective = configured.getLevel() == null ? Level.INFO : configured.getLevel();
            if (effective.intValue() < Level.INFO.intValue()) {
                logger.setLevel(Level.INFO);
            }
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
