package dev.caravan;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** The launcher's one line on a failed start names the setting that was refused, not only Camel's wrapper. */
class CaravanTest {

    @Test
    void theInnermostCauseComesFirstWhenTheOuterMessageDoesNotHoldIt() {
        IllegalArgumentException refused = new IllegalArgumentException(
                "caravan.auth.trusted-proxies: '10.42.0.300/32' is neither an IP address nor a CIDR range");
        RuntimeException wrapped = new RuntimeException("Error during post processing of bean: authBeans",
                new IllegalStateException("wrapped", refused));
        assertEquals("caravan.auth.trusted-proxies: '10.42.0.300/32' is neither an IP address nor a CIDR range"
                + " (Error during post processing of bean: authBeans)", Caravan.reason(wrapped));
    }

    @Test
    void aMessageWithoutCausesOrHoldingItsCauseIsKeptAsItIs() {
        assertEquals("nothing listens on 127.0.0.1:8080",
                Caravan.reason(new IllegalStateException("nothing listens on 127.0.0.1:8080")));
        assertEquals("bad: not a number", Caravan.reason(new IllegalStateException("bad: not a number",
                new NumberFormatException("not a number"))));
    }
}
