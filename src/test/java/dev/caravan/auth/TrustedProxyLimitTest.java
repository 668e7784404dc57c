package dev.caravan.auth;

import dev.caravan.ops.LogLines;
import dev.caravan.support.LoopbackCaller;
import dev.caravan.support.LoopbackCaller.Answer;
import dev.caravan.support.Gateway;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;

import java.util.HashMap;
import java.util.List;
import java.util.Map;

import static dev.caravan.auth.WrongCredentialLimitTest.assertTooManyFailures;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The wrong-credential limits behind a reverse proxy, through the real routes: requests a trusted proxy
 * (caravan.auth.trusted-proxies; here 127.0.0.20 to 127.0.0.23) forwards are counted by the client its
 * X-Forwarded-For names, while any other peer is counted by its own address whatever it writes there. Proxies and
 * callers are loopback addresses of their own ({@link LoopbackCaller}); each test uses its own clients.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class TrustedProxyLimitTest {

    private static final String MASTER = "Bearer " + AuthGateway.MASTER_KEY;
    private static final String PROXY = "127.0.0.20";
    private static final String OTHER_PROXY = "127.0.0.21";
    private static final String UNTRUSTED = "127.0.0.30";

    private AuthGateway gateway;
    private String valid;

    @BeforeAll
    void start() throws Exception {
        Map<String, String> properties = new HashMap<>(AuthGateway.THREE_FAILURES);
        properties.put("caravan.auth.trusted-proxies", "fd00:42::/32, 127.0.0.20/30 ,192.0.2.1");
        gateway = AuthGateway.withKeys(properties);
        valid = gateway.createKey("{\"userId\":\"alice\",\"application\":\"notebook\"}").get("secret").asText();
    }

    @AfterAll
    void stop() throws Exception {
        gateway.close();
    }

    @Test
    void theClientsATrustedProxyForwardsAreCountedApart() throws Exception {
        try (LogLines log = LogLines.capture("dev.caravan")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(401, admin(PROXY, "Bearer wrong-" + i, "X-Forwarded-For", "203.0.113.1").status());
            }

            assertTooManyFailures(admin(PROXY, MASTER, "X-Forwarded-For", "203.0.113.1"), "the guesser");
            assertEquals(200, admin(PROXY, MASTER, "X-Forwarded-For", "203.0.113.2").status(), "another client");
            assertEquals(200, admin(OTHER_PROXY, MASTER, "X-Forwarded-For", "203.0.113.3").status(), "another proxy");
            assertEquals(200, admin(PROXY, MASTER).status(), "the proxy's own request");
            assertTrue(log.lines().stream().anyMatch(l -> l.level().equals("WARN") && l.message().contains("203.0.113.1")
                    && l.message().contains("3 wrong master keys") && !l.message().contains("trusted-proxies")),
                    log.lines().toString());
        }
        assertTooManyFailures(admin(OTHER_PROXY, MASTER, "X-Forwarded-For", "203.0.113.1"),
                "the guesser through another proxy");
    }

    @Test
    void anUntrustedPeersForwardingHeaderIsIgnored() throws Exception {
        try (LogLines log = LogLines.capture("dev.caravan")) {
            for (int i = 0; i < 3; i++) {
                assertEquals(401, admin(UNTRUSTED, "Bearer wrong-" + i, "X-Forwarded-For", "198.51.100." + i,
                        "Forwarded", "for=198.51.100." + i).status());
            }
            // It may be a proxy nobody listed: the warning says all its clients are refused with it, and what to set.
            assertTrue(log.lines().stream().anyMatch(l -> l.level().equals("WARN") && l.message().startsWith(UNTRUSTED)
                    && l.message().contains("it sent X-Forwarded-For")
                    && l.message().contains("caravan.auth.trusted-proxies")), log.lines().toString());
        }

        assertTooManyFailures(admin(UNTRUSTED, MASTER, "X-Forwarded-For", "198.51.100.99"), "a new name, same peer");
        assertTooManyFailures(admin(UNTRUSTED, MASTER, "X-Forwarded-For", "127.0.0.20"), "naming a trusted proxy");
        assertEquals(200, admin(PROXY, MASTER, "X-Forwarded-For", "198.51.100.0").status(),
                "the addresses it named were never counted");
    }

    @Test
    void aChainOfHopsIsReadFromTheRightToTheFirstUntrustedAddress() throws Exception {
        for (int i = 0; i < 3; i++) {
            Answer unknown = chat(PROXY, KeySecrets.newSecret(), "X-Forwarded-For",
                    "10.9.9." + i + ", 203.0.113.10, 192.0.2.1, " + OTHER_PROXY);
            assertEquals(401, unknown.status(), unknown.body());
        }

        assertTooManyFailures(chat(PROXY, valid, "X-Forwarded-For", "10.1.1.1, 203.0.113.10, 192.0.2.1"),
                "the client, whatever it wrote left of itself");
        assertTooManyFailures(chat(OTHER_PROXY, valid, "X-Forwarded-For", "203.0.113.10"), "the client, one hop");
        assertEquals(200, chat(PROXY, valid, "X-Forwarded-For", "203.0.113.10, 203.0.113.11, 192.0.2.1").status(),
                "the hop before the client's");
        assertEquals(200, chat(PROXY, valid, "X-Forwarded-For", "10.9.9.0").status(), "what it wrote left of itself");
        assertEquals(200, chat(PROXY, valid).status(), "the proxy");
    }

    @Test
    void aChainOfTrustedProxiesOnlyIsCountedByItsLeftmost() throws Exception {
        for (int i = 0; i < 3; i++) {
            assertEquals(401, admin(PROXY, "Bearer wrong-" + i, "X-Forwarded-For", "192.0.2.1, 127.0.0.22").status());
        }

        assertTooManyFailures(admin(PROXY, MASTER, "X-Forwarded-For", "192.0.2.1"), "the leftmost");
        assertEquals(200, admin(PROXY, MASTER, "X-Forwarded-For", "127.0.0.22").status(), "the hop after it");
    }

    @Test
    void aMalformedForwardingHeaderCountsThePeer() throws Exception {
        String proxy = "127.0.0.23";
        List<String> malformed = List.of("unknown", "203.0.113.40, not-an-address", "203.0.113.40,", "[2001:db8::1",
                "203.0.113.40 203.0.113.41", "300.1.2.3", "203.0.113.40, , 192.0.2.1");
        for (int i = 0; i < malformed.size(); i++) {
            Answer answer = admin(proxy, "Bearer wrong-" + i, "X-Forwarded-For", malformed.get(i));
            assertEquals(i < 3 ? 401 : 429, answer.status(), malformed.get(i) + ": " + answer.body());
        }

        assertTooManyFailures(admin(proxy, MASTER), "the proxy itself");
        assertTooManyFailures(admin(proxy, MASTER, "X-Forwarded-For", "bogus"), "another malformed header");
        assertEquals(200, admin(proxy, MASTER, "X-Forwarded-For", "203.0.113.40").status(), "the client it named");
    }

    @Test
    void proxiesThatSetRfc7239ForwardedAreReadWhenSoConfigured() throws Exception {
        try (AuthGateway forwarded = AuthGateway.withKeys(Map.of("caravan.auth.trusted-proxies", PROXY,
                "caravan.auth.trusted-proxies.header", "Forwarded", "caravan.auth.master.max-failures", "3"))) {
            for (int i = 0; i < 3; i++) {
                assertEquals(401, LoopbackCaller.send(forwarded.port(), PROXY, "GET", "/admin/keys", "Authorization",
                        "Bearer wrong-" + i, "Forwarded", "for=\"[2001:db8:5::1]:4711\";proto=https").status());
            }

            assertTooManyFailures(LoopbackCaller.send(forwarded.port(), PROXY, "GET", "/admin/keys", "Authorization", MASTER,
                    "Forwarded", "for=\"[2001:db8:5::2]\""), "the client's /64");
            assertEquals(200, LoopbackCaller.send(forwarded.port(), PROXY, "GET", "/admin/keys", "Authorization", MASTER,
                    "Forwarded", "for=203.0.113.50", "X-Forwarded-For", "2001:db8:5::1").status(), "another client");
        }
    }

    @Test
    void anInvalidTrustedProxyEntryStopsTheStartNamingIt() {
        Exception refused = assertThrows(Exception.class, () -> Gateway.start(Map.of(
                "caravan.auth.master.api-key", AuthGateway.MASTER_KEY,
                "caravan.auth.trusted-proxies", "10.42.0.0/16, 10.42.0.300/32")));

        assertTrue(Gateway.causes(refused).contains("'10.42.0.300/32'"), Gateway.causes(refused));
    }

    @Test
    void anUnknownForwardingHeaderStopsTheStart() {
        Exception refused = assertThrows(Exception.class, () -> Gateway.start(Map.of(
                "caravan.auth.trusted-proxies", "10.42.0.0/16", "caravan.auth.trusted-proxies.header", "X-Real-IP")));

        assertTrue(Gateway.causes(refused).contains("caravan.auth.trusted-proxies.header"), Gateway.causes(refused));
    }

    private Answer admin(String from, String authorization, String... headers) throws Exception {
        return LoopbackCaller.send(gateway.port(), from, "GET", "/admin/keys", with("Authorization", authorization, headers));
    }

    private Answer chat(String from, String key, String... headers) throws Exception {
        return LoopbackCaller.send(gateway.port(), from, "POST", AuthGateway.GUARDED_CHAT, with("x-api-key", key, headers));
    }

    private static String[] with(String name, String value, String... headers) {
        String[] all = new String[headers.length + 2];
        all[0] = name;
        all[1] = value;
        System.arraycopy(headers, 0, all, 2, headers.length);
        return all;
    }
}
