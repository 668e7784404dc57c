package dev.caravan.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.io.IOException;
import java.net.Inet4Address;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.NetworkInterface;
import java.net.Socket;
import java.net.http.HttpResponse;
import java.util.Collections;
import java.util.Map;
import java.util.Optional;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assumptions.assumeTrue;

/** Neither keys nor an identity provider: anonymous callers are served, but only on loopback. */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class OpenModeTest {

    private AuthGateway gateway;

    @BeforeAll
    void start() throws Exception {
        gateway = AuthGateway.start(Map.of("camel.server.host", "0.0.0.0"));
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void saysAtStartThatItIsOpenAndLoopbackOnly() {
        AuthMode mode = gateway.context().getRegistry().lookupByNameAndType("authMode", AuthMode.class);

        assertTrue(mode.open());
        assertTrue(mode.describe().contains("OFF") && mode.describe().contains("loopback"), mode.describe());
    }

    @Test
    void servesAnonymousCallersOnLoopback() throws Exception {
        HttpResponse<String> answer = gateway.chat("mock-echo");

        assertEquals(200, answer.statusCode(), answer.body());
        assertEquals("ANONYMOUS|anonymous|anonymous", answer.headers().firstValue("x-test-identity").orElseThrow());
    }

    @Test
    void bindsToLoopbackEvenWhenTheServerHostSaysEveryInterface() throws Exception {
        Optional<InetAddress> external = externalAddress();
        assumeTrue(external.isPresent(), "this machine has no non-loopback IPv4 address to try");

        assertThrows(IOException.class, () -> {
            try (Socket socket = new Socket()) {
                socket.connect(new InetSocketAddress(external.get(), gateway.port()), 2000);
            }
        });
    }

    @Test
    void hasNoAdminApi() throws Exception {
        HttpResponse<String> answer = gateway.send("GET", "/admin/keys", null, "Authorization", "Bearer anything");

        assertEquals(404, answer.statusCode(), answer.body());
    }

    @Test
    void refusesCallersThatAreNotLocal() {
        assertTrue(LoopbackOnly.isLoopback("127.0.0.1"));
        assertTrue(LoopbackOnly.isLoopback("0:0:0:0:0:0:0:1"));
        assertTrue(LoopbackOnly.isLoopback("::1") && LoopbackOnly.isLoopback("::ffff:127.0.0.2"));
        assertTrue(LoopbackOnly.isLoopback("localhost"));
        assertTrue(!LoopbackOnly.isLoopback("10.1.2.3") && !LoopbackOnly.isLoopback(null));
        assertTrue(!LoopbackOnly.isLoopback("::ffff:10.1.2.3") && !LoopbackOnly.isLoopback("128.0.0.1"));
    }

    private static Optional<InetAddress> externalAddress() throws IOException {
        for (NetworkInterface network : Collections.list(NetworkInterface.getNetworkInterfaces())) {
            if (!network.isUp() || network.isLoopback()) {
                continue;
            }
            for (InetAddress address : Collections.list(network.getInetAddresses())) {
                if (address instanceof Inet4Address && !address.isLoopbackAddress()) {
                    return Optional.of(address);
                }
            }
        }
        return Optional.empty();
    }
}
