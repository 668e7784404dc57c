package dev.caravan.auth;

import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;

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

    /**
     * A proxy on the same host (a sidecar, a local nginx, a port-forward) connects from loopback, so the peer address
     * alone let it hand the open gateway to anyone it serves. What it says it forwarded is read too: a request on
     * behalf of a caller that is not local is refused, whoever named it (a caller's own X-Forwarded-For entry comes
     * before the proxy's, so every entry must be local).
     */
    @ParameterizedTest
    @ValueSource(strings = {"X-Forwarded-For: 203.0.113.7", "X-Forwarded-For: 127.0.0.1, 203.0.113.7",
            "x-forwarded-for: 127.0.0.1,198.51.100.2:4711", "Forwarded: for=203.0.113.7;proto=https",
            "Forwarded: for=127.0.0.1, for=\"[2001:db8::17]:4711\"", "Forwarded: for=unknown", "X-Real-IP: 203.0.113.7",
            "X-Forwarded-For: localhost.attacker.example"})
    void refusesARequestAProxyForwardedForACallerThatIsNotLocal(String header) throws Exception {
        String[] parts = header.split(": ", 2);
        HttpResponse<String> answer = gateway.send("POST", AuthGateway.GUARDED_CHAT,
                "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", parts[0], parts[1]);

        assertEquals(403, answer.statusCode(), answer.body());
        assertTrue(answer.body().contains("loopback_only"), answer.body());
        assertTrue(answer.headers().firstValue("x-request-id").orElse("").matches("req_[0-9a-f]{32}"),
                "a refusal carries a request id as every answer does: " + answer.headers().map());
    }

    @ParameterizedTest
    @ValueSource(strings = {"X-Forwarded-For: 127.0.0.1", "X-Forwarded-For: ::1, 127.0.0.2",
            "Forwarded: for=\"[::1]:51000\";proto=http", "X-Real-IP: 127.0.0.1"})
    void servesARequestAProxyForwardedForALocalCaller(String header) throws Exception {
        String[] parts = header.split(": ", 2);
        HttpResponse<String> answer = gateway.send("POST", AuthGateway.GUARDED_CHAT,
                "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}", parts[0], parts[1]);

        assertEquals(200, answer.statusCode(), answer.body());
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
