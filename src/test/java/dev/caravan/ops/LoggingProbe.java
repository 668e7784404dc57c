package dev.caravan.ops;

import org.slf4j.LoggerFactory;

import java.util.logging.Level;
import java.util.logging.LogRecord;
import java.util.logging.Logger;

/**
 * A process that sets up logging as the launcher does, logs through SLF4J and on the access logger, then logs again
 * from a shutdown hook that runs after java.util.logging's own (as Camel drains requests after SIGTERM).
 */
public final class LoggingProbe {

    private LoggingProbe() {
    }

    public static void main(String[] args) throws Exception {
        LogSetup.install();
        LoggerFactory.getLogger(LoggingProbe.class).info("started as {}", "probe");
        LoggerFactory.getLogger(LoggingProbe.class).debug("not at the default level");
        LoggerFactory.getLogger(LogSetup.SECRET_PRINTERS.get(0)).debug("resolved caravan.openai.api-key=sk-probe");
        Logger access = Logger.getLogger("caravan.access");
        LogRecord line = new LogRecord(Level.INFO, "request_id=req_probe status=ok");
        line.setLoggerName(access.getName());
        access.log(line);
        Runtime.getRuntime().addShutdownHook(new Thread(() -> {
            try {
                Thread.sleep(300); // java.util.logging's hook has run by now
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
            }
            LoggerFactory.getLogger(LoggingProbe.class).warn("logged while shutting down");
            Logger.getLogger("caravan.access").log(line);
            StdoutHandler.flushAll();
        }));
        System.exit(0);
    }
}
