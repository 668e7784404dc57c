package dev.caravan.auth;

import io.vertx.core.MultiMap;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import static org.junit.jupiter.api.Assertions.assertDoesNotThrow;
import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** Whose request it is: the trusted-proxies setting, and the client read from a trusted proxy's forwarding header. */
class ClientAddressTest {

    private static final ClientAddress BEHIND_INGRESS =
            ClientAddress.trusting(" 10.42.0.0/16, 192.0.2.1 ,fd00:42::/32, 2001:db8::7", "X-Forwarded-For");

    private static MultiMap headers(String... namesAndValues) {
        MultiMap headers = MultiMap.caseInsensitiveMultiMap();
        for (int i = 0; i < namesAndValues.length; i += 2) {
            headers.add(namesAndValues[i], namesAndValues[i + 1]);
        }
        return headers;
    }

    private static String client(ClientAddress clients, String peer, String... headers) {
        return clients.of(peer, headers(headers));
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {
            "10.42.0.1 | true", "10.42.255.254 | true", "10.43.0.1 | false", "192.0.2.1 | true", "192.0.2.2 | false",
            "::ffff:10.42.3.4 | true", "fd00:42:ffff::1 | true", "fd00:43::1 | false", "2001:db8::7 | true",
            "2001:db8::8 | false", "0:0:0:0:0:0:0:1 | false", "127.0.0.1 | false"})
    void trustsThePeersInItsRangesOnly(String peer, boolean trusted) {
        String answered = client(BEHIND_INGRESS, peer, "X-Forwarded-For", "203.0.113.9");

        assertEquals(trusted ? "203.0.113.9" : peer, answered);
    }

    @ParameterizedTest
    @CsvSource(delimiter = '|', value = {"10.0.0.0/8 | 10.255.1.2 | 11.0.0.1", "10.1.2.3/9 | 10.127.0.1 | 10.128.0.1",
            "0.0.0.0/0 | 198.51.100.1 | ::1", "2001:db8::/33 | 2001:db8:7fff::1 | 2001:db8:8000::1",
            "::/0 | ::1 | 127.0.0.1", "192.0.2.128/25 | 192.0.2.200 | 192.0.2.127", "[2001:db8::1] | 2001:db8::1 | 2001:db8::2"})
    void readsRangesOfEveryPrefixLength(String range, String inside, String outside) {
        ClientAddress clients = ClientAddress.trusting(range, null);

        assertEquals("203.0.113.9", client(clients, inside, "X-Forwarded-For", "203.0.113.9"));
        assertEquals(outside, client(clients, outside, "X-Forwarded-For", "203.0.113.9"));
    }

    @Test
    void withNoTrustedProxyEveryHeaderIsIgnored() {
        ClientAddress none = ClientAddress.trusting("", "X-Forwarded-For");

        assertEquals("10.42.0.1", client(none, "10.42.0.1", "X-Forwarded-For", "203.0.113.9"));
        assertEquals("10.42.0.1", client(ClientAddress.PEER, "10.42.0.1", "X-Forwarded-For", "203.0.113.9"));
        assertEquals("10.42.0.1", client(ClientAddress.trusting(null, null), "10.42.0.1", "Forwarded", "for=203.0.113.9"));
    }

    @Test
    void walksTheChainFromTheRightPastTrustedProxiesToTheClient() {
        assertEquals("203.0.113.9", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For",
                "198.51.100.66, 203.0.113.9, 192.0.2.1, 10.42.7.7"), "what the caller wrote left of it is not read");
        assertEquals("203.0.113.9", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", "198.51.100.66, 203.0.113.9",
                "X-Forwarded-For", "192.0.2.1"), "header lines are one list, in order");
        assertEquals("2001:db8:1::5", client(BEHIND_INGRESS, "fd00:42::9", "X-Forwarded-For",
                "[2001:db8:1::5]:51000, fd00:42::3"));
        assertEquals("198.51.100.66", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", "198.51.100.66:4711"));
        assertEquals("203.0.113.9", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", "::ffff:203.0.113.9"));
    }

    @Test
    void aChainOfTrustedAddressesOnlyGivesItsLeftmost() {
        assertEquals("10.42.1.1", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", "10.42.1.1, 192.0.2.1"));
    }

    @Test
    void aTrustedPeerWithoutTheHeaderIsTheClient() {
        assertEquals("10.42.0.1", client(BEHIND_INGRESS, "10.42.0.1"));
        assertEquals("10.42.0.1", client(BEHIND_INGRESS, "10.42.0.1", "Forwarded", "for=203.0.113.9"),
                "only the header the proxies set is read");
    }

    @ParameterizedTest
    @ValueSource(strings = {"", " ", "unknown", "not-an-address", "203.0.113.9,", "203.0.113.9, , ",
            "[2001:db8::1", "2001:db8::1]", "203.0.113.9 198.51.100.1", "203.0.113.9, garbage, 10.42.1.1",
            "300.1.2.3", "203.0.113", "\"203.0.113.9\"", "localhost", "::ffff:", "%", "1.2.3.4/8"})
    void aMalformedChainGivesThePeer(String chain) {
        String answered = assertDoesNotThrow(() -> client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", chain));

        assertEquals("10.42.0.1", answered, chain);
    }

    @Test
    void aMalformedEntryLeftOfTheClientIsNeverReached() {
        assertEquals("203.0.113.9", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", "garbage, 203.0.113.9"));
        assertEquals("203.0.113.9", client(BEHIND_INGRESS, "10.42.0.1", "X-Forwarded-For", ", 203.0.113.9"));
    }

    @Test
    void readsRfc7239ForwardedWhenTheProxiesSetThat() {
        ClientAddress forwarded = ClientAddress.trusting("10.42.0.0/16", "forwarded");

        assertEquals("203.0.113.9", client(forwarded, "10.42.0.1", "Forwarded",
                "for=198.51.100.66, for=203.0.113.9;proto=https, for=10.42.3.3;by=10.42.0.1"));
        assertEquals("2001:db8:1::5", client(forwarded, "10.42.0.1", "Forwarded", "for=\"[2001:db8:1::5]:4711\""));
        assertEquals("10.42.0.1", client(forwarded, "10.42.0.1", "Forwarded", "for=unknown"));
        assertEquals("10.42.0.1", client(forwarded, "10.42.0.1", "Forwarded", "for=_hidden;proto=http"));
        assertEquals("10.42.0.1", client(forwarded, "10.42.0.1", "X-Forwarded-For", "203.0.113.9"),
                "X-Forwarded-For is not read then");
    }

    @ParameterizedTest
    @ValueSource(strings = {"10.0.0.300", "10.0.0.0/33", "fd00::/129", "10.0.0.0/", "10.0.0.0/-1", "10.0.0.0/+8",
            "ingress.example", "10.0.0.0/8/8", "*", "10.0.0.0 /8"})
    void refusesAnEntryThatIsNeitherAnAddressNorARangeNamingIt(String entry) {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ClientAddress.trusting("10.42.0.0/16, " + entry + ", ::1", "X-Forwarded-For"));

        assertTrue(refused.getMessage().contains("caravan.auth.trusted-proxies")
                && refused.getMessage().contains("'" + entry.trim() + "'"), refused.getMessage());
    }

    @Test
    void refusesAHeaderOtherThanTheTwoProxiesSet() {
        IllegalArgumentException refused = assertThrows(IllegalArgumentException.class,
                () -> ClientAddress.trusting("10.42.0.0/16", "X-Real-IP"));

        assertTrue(refused.getMessage().contains("X-Real-IP"), refused.getMessage());
    }
}
