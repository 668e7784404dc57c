package dev.caravan;

import dev.caravan.support.Gateway;
import dev.caravan.support.RoutesCopy;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.file.Files;
import java.nio.file.Path;
import java.util.Map;
import java.util.stream.Stream;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * The launcher: its one line on a failed start names the setting that was refused, not only Camel's wrapper; and its
 * Camel Main, which skips Camel's first pass over route files that need none, still loads what a route file of one's
 * own holds.
 */
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

    @Test
    void theGatewaysOwnRouteFilesNeedNoFirstPassAndOnesWithBeansOrAModelineDo() throws Exception {
        try (Stream<Path> files = Files.walk(Path.of("routes"))) {
            for (Path file : files.filter(f -> f.toString().endsWith(".yaml")).toList()) {
                assertFalse(Caravan.needsFirstPass(Files.readString(file)), file.toString());
            }
        }
        assertTrue(Caravan.needsFirstPass("- beans:\n    - name: x\n"));
        assertTrue(Caravan.needsFirstPass("# camel-k: dependency=mvn:org.example:x:1.0\n- route: {}\n"));
    }

    @Test
    void aRouteFileOfOnesOwnWithBeansAndModelineCommentsStillLoads(@TempDir Path dir) throws Exception {
        Path routes = RoutesCopy.in(dir);
        Files.writeString(routes.resolve("greeting.yaml"), """
                # camel-k: dependency=mvn:org.example:unused:1.0
                - beans:
                    - name: greetingCount
                      type: java.util.concurrent.atomic.AtomicLong
                      constructors:
                        0: 41
                - route:
                    id: greeting
                    from:
                      uri: platform-http:/greeting
                      steps:
                        - setBody:
                            simple: "greeting ${bean:greetingCount?method=incrementAndGet} for ${header.who}"
                """);
        try (Gateway gateway = Gateway.start(Map.of(
                "camel.main.routes-include-pattern", RoutesCopy.includePattern(routes)))) {
            assertEquals("greeting 42 for caravan", gateway.get("/greeting?who=caravan").body());
            assertEquals(200, gateway.post("/v1/chat/completions",
                    "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}").statusCode());
        }
    }
}
