package dev.caravan.api;

import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.auth.Identity;
import dev.caravan.core.GatewayException;
import dev.caravan.routing.ModelRouter;
import org.apache.camel.Exchange;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.junit.jupiter.params.provider.ValueSource;

import java.nio.ByteBuffer;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

/** {@code GET /v1/models}' and {@code GET /v1/models/{id}}' bodies, from a real catalog file. */
class ModelListTest {

    @TempDir
    Path dir;

    @Test
    void aFineTuneInTheCatalogIsListedByItsFullNameAndTheRestOfTheListStays() throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());

        modelList().list(exchange);

        JsonNode body = Json.MAPPER.readTree(exchange.getMessage().getBody(ByteBuffer.class).array());
        assertEquals("list", body.path("object").asText());
        List<String> listed = new ArrayList<>();
        body.path("data").forEach(model -> listed.add(model.path("id").asText() + " by " + model.path("owned_by").asText()));
        assertEquals(List.of("fast by mock", "gpt-4o by openai", "mock-echo by mock",
                "openai/ft:gpt-4o-mini:acme::x1 by openai"), listed);
    }

    @ParameterizedTest(name = "{0} -> {1} by {2}")
    @CsvSource({
            "gpt-4o,                                gpt-4o,                         openai",
            "openai/gpt-4o,                         openai/gpt-4o,                  openai",
            "openai%2Fgpt-4o,                       openai/gpt-4o,                  openai",
            "openai/ft:gpt-4o-mini:acme::x1,        openai/ft:gpt-4o-mini:acme::x1, openai",
            "fast,                                  fast,                           mock"})
    void oneModelIsItsEntryOfTheListByAnyNameTheCatalogGivesIt(String path, String id, String owner) throws Exception {
        JsonNode model = retrieve(path);

        assertEquals(id, model.path("id").asText());
        assertEquals("model", model.path("object").asText());
        assertEquals(owner, model.path("owned_by").asText());
        assertTrue(model.path("created").asLong() > 0);
    }

    @ParameterizedTest(name = "/v1/models/{0}")
    @ValueSource(strings = {"broken", "nonsense-model", "anthropic/claude-3-5-haiku-20241022", "openai/gpt-4o-unpriced",
            "gpt-4o/extra", "%20"})
    void aModelTheGatewayDoesNotServeIs404ModelNotFound(String path) {
        GatewayException error = assertThrows(GatewayException.class, () -> retrieve(path));

        assertEquals(404, error.status());
        assertEquals("model_not_found", error.code());
        assertEquals("model", error.param());
    }

    /** A key allowed a model by the name the list shows it by retrieves it by its catalog name too, and no other. */
    @Test
    void aRestrictedKeyRetrievesWhatItsListShowsByEitherName() throws Exception {
        Identity gpt4oOnly = new Identity(Identity.Kind.API_KEY, "key_1", null, "u", "a", List.of("gpt-4o"), null,
                null);
        List<String> listed = new ArrayList<>();
        Exchange list = new DefaultExchange(new DefaultCamelContext());
        list.setProperty(Identity.PROPERTY, gpt4oOnly);
        modelList().list(list);
        Json.MAPPER.readTree(list.getMessage().getBody(ByteBuffer.class).array()).path("data")
                .forEach(model -> listed.add(model.path("id").asText()));
        assertEquals(List.of("gpt-4o"), listed);

        for (String path : List.of("gpt-4o", "openai/gpt-4o", "openai%2Fgpt-4o")) {
            assertEquals("openai", retrieve(path, gpt4oOnly).path("owned_by").asText(), path);
        }
        for (String path : List.of("fast", "mock-echo", "openai/ft:gpt-4o-mini:acme::x1")) {
            GatewayException error = assertThrows(GatewayException.class, () -> retrieve(path, gpt4oOnly), path);
            assertEquals(404, error.status(), path);
        }
    }

    @Test
    void aPathThatNamesNoModelIsTheList() throws Exception {
        assertEquals("list", retrieve("").path("object").asText());
    }

    private JsonNode retrieve(String id) throws Exception {
        return retrieve(id, null);
    }

    private JsonNode retrieve(String id, Identity caller) throws Exception {
        Exchange exchange = new DefaultExchange(new DefaultCamelContext());
        exchange.setProperty(Identity.PROPERTY, caller);
        exchange.getMessage().setHeader(Exchange.HTTP_PATH, "/v1/models/" + id);

        modelList().retrieve(exchange);

        return Json.MAPPER.readTree(exchange.getMessage().getBody(ByteBuffer.class).array());
    }

    /** A catalog with an alias, a fine-tune, a broken alias and a model of a provider that is not offered. */
    private ModelList modelList() throws Exception {
        Path catalog = dir.resolve("catalog.yaml");
        Files.writeString(catalog, """
                aliases:
                  fast: mock-echo
                  broken: nonsense-model
                models:
                  openai/gpt-4o:                   {input: 2.50, output: 10.00}
                  openai/ft:gpt-4o-mini:acme::x1:  {input: 0.30, output: 1.20}
                  anthropic/claude-3-5-haiku-20241022: {input: 0.80, output: 4.00}
                  mock/mock-echo:                  {input: 1.00, output: 2.00}
                """);
        return new ModelList(new ModelRouter(catalog, Set.of("openai", "mock")::contains));
    }
}
