package dev.caravan;

import dev.caravan.auth.AuthBeans;
import dev.caravan.ops.LogSetup;
import dev.caravan.ops.OperationsBeans;
import dev.caravan.providers.AccountRoutes;
import org.apache.camel.CamelContext;
import org.apache.camel.main.Main;
import org.slf4j.LoggerFactory;

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
     * Camel Main without its first pass over the route files: before configuring itself, Camel Main parses every YAML
     * route file once for Camel K modelines and bean definitions, then again to load the routes. The gateway's route
     * files hold neither (beans come from its configuration classes), and that pass was a twentieth of a launch's main
     * thread; with {@code camel.main.modeline=true} it runs as before.
     */
    static final class GatewayMain extends Main {
        @Override
        protected void modelineRoutes(CamelContext camelContext) throws Exception {
            if (mainConfigurationProperties.isModeline()) {
                super.modelineRoutes(camelContext);
            }
        }
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
