package dev.caravan;

import dev.caravan.auth.AuthBeans;
import dev.caravan.ops.LogSetup;
import dev.caravan.ops.OperationsBeans;
import dev.caravan.providers.AccountRoutes;
import org.apache.camel.CamelContext;
import org.apache.camel.main.DefaultRoutesCollector;
import org.apache.camel.main.Main;
import org.apache.camel.spi.Resource;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.nio.charset.StandardCharsets;

/** Starts the gateway: Camel Main with the routes under {@code routes/} and the beans of {@link GatewayBeans}. */
public final class Caravan {

    private Caravan() {
    }

    public static void main(String[] args) throws Exception {
        try {
            LogSetup.install();
        } catch (RuntimeException e) {
            System.err.println("Caravan could not start: " + e.getMessage());
            System.exit(1);
        }
        Main main = newMain();
        configure(main);
        try {
            main.run(args);
        } catch (Exception e) {
            // A gateway that did not start as configured stops and says so in its exit status, so that its supervisor
            // (Kubernetes, systemd) sees the failure instead of a process that serves nothing.
            LoggerFactory.getLogger(Caravan.class).error("Caravan could not start: {}", reason(e), e);
            main.stop();
            System.exit(1);
        }
    }

    /**
     * Why the start failed: the innermost cause's message first when the outer one does not hold it (Camel wraps a
     * bean's refusal of its settings in "Error during post processing of bean ..."), then the outer one.
     */
    static String reason(Throwable failure) {
        Throwable root = failure;
        while (root.getCause() != null && root.getCause() != root) {
            root = root.getCause();
        }
        String outer = String.valueOf(failure.getMessage());
        return root == failure || root.getMessage() == null || outer.contains(root.getMessage()) ? outer
                : root.getMessage() + " (" + outer + ")";
    }

    /**
     * Camel Main without its first pass over the route files when they need none: before configuring itself, Camel
     * Main parses every YAML route file once for Camel K modelines and bean definitions, then again to load the routes.
     * The gateway's route files hold neither (its beans come from its configuration classes), and that pass was a
     * twentieth of a launch's main thread. It still runs when a route file mentions {@code beans:} or {@code camel-k:}
     * (so that such beans are there for Camel Main's configuration, as before), or with {@code camel.main.modeline=true}.
     */
    static final class GatewayMain extends Main {
        @Override
        protected void modelineRoutes(CamelContext camelContext) throws Exception {
            if (mainConfigurationProperties.isModeline() || anyNeedsFirstPass(camelContext)) {
                super.modelineRoutes(camelContext);
            }
        }

        private boolean anyNeedsFirstPass(CamelContext camelContext) {
            String include = mainConfigurationProperties.getRoutesIncludePattern();
            if (include == null || include.isBlank() || "false".equals(include)) {
                return false;
            }
            try {
                for (Resource file : new DefaultRoutesCollector().findRouteResourcesFromDirectory(camelContext,
                        mainConfigurationProperties.getRoutesExcludePattern(), include.replace("?optional=true", ""))) {
                    try (InputStream in = file.getInputStream()) {
                        if (needsFirstPass(new String(in.readAllBytes(), StandardCharsets.UTF_8))) {
                            return true;
                        }
                    }
                }
                return false;
            } catch (Exception | LinkageError e) {
                return true; // Camel's own pass finds and reports whatever this could not read
            }
        }
    }

    /** Whether a route file may hold what Camel Main's first pass reads: bean definitions or a Camel K modeline. */
    static boolean needsFirstPass(String routeFile) {
        return routeFile.contains("beans:") || routeFile.contains("camel-k:");
    }

    /** The launcher's Camel Main, for tests that start the real thing too. */
    public static Main newMain() {
        return new GatewayMain();
    }

    /** The configuration classes of the gateway, for the launcher and for tests that start the real thing. */
    public static void configure(Main main) {
        main.configure().addConfiguration(GatewayBeans.class);
        main.configure().addConfiguration(OperationsBeans.class);
        main.configure().addConfiguration(AuthBeans.class);
        main.addMainListener(new AccountRoutes());
    }
}
