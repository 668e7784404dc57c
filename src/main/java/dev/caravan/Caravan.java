package dev.caravan;

import org.apache.camel.main.Main;

/** Starts the gateway: Camel Main with the routes under {@code routes/} and the beans of {@link GatewayBeans}. */
public final class Caravan {

    private Caravan() {
    }

    public static void main(String[] args) throws Exception {
        Main main = new Main(Caravan.class);
        main.configure().addConfiguration(GatewayBeans.class);
        main.run(args);
    }
}
