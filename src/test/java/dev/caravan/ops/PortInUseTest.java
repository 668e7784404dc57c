package dev.caravan.ops;

import dev.caravan.support.Gateway;
import org.junit.jupiter.api.Test;

import java.net.ConnectException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.util.Map;

import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * A gateway whose API or management port is taken does not start: platform-http only logs that it could not bind,
 * and without this check the gateway ran, healthy by its own checks, with nothing on the port. What had started is
 * stopped again.
 */
class PortInUseTest {

    @Test
    void theGatewayDoesNotStartWhenItsApiPortIsTaken() throws Exception {
        int management = Gateway.freePort();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Exception e = assertThrows(Exception.class, () -> Gateway.start(Map.of(
                    "camel.server.port", Integer.toString(taken.getLocalPort()),
                    "camel.management.port", Integer.toString(management))));
            String causes = Gateway.causes(e);
            assertTrue(causes.contains("nothing listens on 127.0.0.1:" + taken.getLocalPort()), causes);
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", management).close(),
                "the management server that did start is closed again");
    }

    @Test
    void theGatewayDoesNotStartWhenItsManagementPortIsTaken() throws Exception {
        int api = Gateway.freePort();
        try (ServerSocket taken = new ServerSocket(0, 50, InetAddress.getLoopbackAddress())) {
            Exception e = assertThrows(Exception.class, () -> Gateway.start(Map.of(
                    "camel.server.port", Integer.toString(api),
                    "camel.management.port", Integer.toString(taken.getLocalPort()))));
            String causes = Gateway.causes(e);
            assertTrue(causes.contains("nothing listens on 127.0.0.1:" + taken.getLocalPort()), causes);
        }
        assertThrows(ConnectException.class, () -> new Socket("127.0.0.1", api).close(),
                "the API server that did start is closed again");
    }
}
