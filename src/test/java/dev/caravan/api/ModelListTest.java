package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.routing.ModelRouter;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;

/** {@code GET /v1/models}' body, from a real catalog file. */
class ModelListTest {

    @TempDir
    Path dir;

    @Test
    void aFineTuneInTheCatalogIsListedByItsFullNameAndTheRestOfTheListStays() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, """
                aliases:
                  fast: mock-echo
                  broken: nonsense-model
                models:
                  openai/gpt-4o:                   {input: 2.50, output: 10.00}
                  openai/ft:gpt-4o-mini:acme::x1:  {input: 0.30, output: 1.20}
                  mock/mock-echo:                  {input: 1.00, output: 2.00}
                """);
        ModelList list = new ModelList(new ModelRouter(catalog, Set.of("openai", "mock")::contains));
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());

        list.list(exchange);

        JsonNode body = Json.MAPPER.readTree(exchange.getMessage().getBody(ByteBuffer.class).array());
        assertEquals("list", body.path("object").asText());
        List<String> listed = new ArrayList<>();
        body.path("data").forEach(model -> listed.add(model.path("id").asText() + " by " + model.path("owned_by").asText()));
        assertEquals(List.of("fast by mock", "gpt-4o by openai", "mock-echo by mock",
                "openai/ft:gpt-4o-mini:acme::x1 by openai"), listed);
    }
}
