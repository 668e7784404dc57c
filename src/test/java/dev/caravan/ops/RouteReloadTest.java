package dev.caravan.ops;

import dev.caravan.ledger.CostRecord;
import dev.caravan.ledger.Ledger;
import dev.caravan.support.Eventually;
import dev.caravan.support.Gateway;
import dev.caravan.support.RoutesCopy;
import dev.caravan.support.StreamCapture;
import org.apache.camel.Route;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicLong;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;
import static org.junit.jupiter.api.Assertions.fail;

/**
 * The gateway reads its routes from a copy of routes/, which the tests edit while it serves: an edit goes live, a
 * stream begun before it ends intact and is recorded, requests sent throughout are all served, and an invalid file
 * is rejected with one log line while the routes before it keep serving.
 */
class RouteReloadTest {

    private static final long DEADLINE_MILLIS = 20_000;
    private static final String LIST_STEP = "            ref: modelList\n            method: list\n";
    private static final String CHAT = "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";

    @TempDir
    static Path dir;
    static Path routes;
    static Gateway gateway;

    @BeforeAll
    static void start() throws Exception {
        routes = RoutesCopy.in(dir);
        // mock-stream: 60 tokens 100 ms apart, a 6 s stream.
        gateway = Gateway.start(Map.of(
                "camel.main.routes-include-pattern", RoutesCopy.includePattern(routes),
                "caravan.routes.reload-period-ms", "250",
                "caravan.mock.token-delay-ms", "100", "caravan.mock.stream-tokens", "60"));
    }

    @AfterAll
    static void stop() throws Exception {
        gateway.close();
    }

    @Test
    void anEditGoesLiveWhileAStreamBegunBeforeItEndsIntactAndIsRecorded() throws Exception {
        assertFalse("a".equals(modelsVersion()), "not edited yet");
        int routesBefore = gateway.context().getRoutes().size();
        CompletableFuture<StreamCapture> stream = StreamCapture.postInBackground(gateway, "/v1/chat/completions",
                "{\"model\":\"mock-stream\",\"stream\":true,\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}");
        until(() -> gateway.context().getInflightRepository().size() > 0, "the stream is in flight");

        // api.yaml holds five routes and two route configurations; the chat route the stream runs on is among them.
        setModelsVersion("a");
        until(() -> "a".equals(modelsVersion()), "the edited models route answers");
        assertFalse(stream.isDone(), "the stream spans the edit");
        assertEquals(routesBefore, gateway.context().getRoutes().size(), "the file's routes were replaced, not added");

        StreamCapture done = stream.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        assertEquals(200, done.status());
        assertEquals("[DONE]", done.data().get(done.data().size() - 1));
        StringBuilder expected = new StringBuilder("token1");
        for (int i = 2; i <= 60; i++) {
            expected.append(" token").append(i);
        }
        assertEquals(expected.toString(), done.openAiText(), "the stream ended intact");
        String requestId = done.header("x-request-id");
        CostRecord record = until(() -> ledger().store().find(requestId), "the stream's cost is recorded");
        assertEquals(CostRecord.Status.OK, record.status());
        assertEquals(60, record.completionTokens());

        RouteFileReloader reloader = gateway.context().getRegistry().lookupByNameAndType("routeFiles",
                RouteFileReloader.class);
        until(() -> reloader.retiredVersions() == 0, "the old routes are stopped once their exchanges are done");
        assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode(), "the new routes serve chat");
    }

    @Test
    void requestsSentThroughoutSeveralEditsAreAllServed() throws Exception {
        AtomicBoolean sending = new AtomicBoolean(true);
        ConcurrentLinkedQueue<String> failures = new ConcurrentLinkedQueue<>();
        AtomicLong sent = new AtomicLong();
        AtomicLong slowest = new AtomicLong();
        List<CompletableFuture<Void>> clients = new ArrayList<>();
        for (int c = 0; c < 3; c++) {
            int client = c;
            clients.add(CompletableFuture.runAsync(() -> {
                while (sending.get()) {
                    try {
                        long start = System.nanoTime();
                        HttpResponse<String> answer = client == 0 ? gateway.get("/v1/models")
                                : gateway.post(client == 1 ? "/v1/chat/completions" : "/ai/chat", CHAT);
                        slowest.accumulateAndGet((System.nanoTime() - start) / 1_000_000, Math::max);
                        sent.incrementAndGet();
                        if (answer.statusCode() != 200) {
                            failures.add(answer.statusCode() + " " + answer.body());
                        }
                    } catch (Exception e) {
                        failures.add(e.toString());
                    }
                }
            }));
        }
        try {
            // The HTTP edge, the dispatch loop and a provider route, each swapped while requests flow.
            setModelsVersion("b");
            until(() -> "b".equals(modelsVersion()), "api.yaml live");
            try (LogLines log = LogLines.capture("dev.caravan.ops.RouteFileReloader")) {
                edit("dispatch.yaml", "# Dispatch: try", "# Dispatch (edited): try");
                until(() -> !log.matching(l -> l.message().contains("dispatch.yaml reloaded")).isEmpty(),
                        "dispatch.yaml live");
                edit("providers/mock.yaml", "# The built-in mock provider", "# The built-in mock provider (edited)");
                until(() -> !log.matching(l -> l.message().contains("mock.yaml reloaded")).isEmpty(), "mock.yaml live");
            }
            long before = sent.get();
            until(() -> sent.get() > before + 10, "more requests after the last edit");
        } finally {
            sending.set(false);
            CompletableFuture.allOf(clients.toArray(CompletableFuture[]::new)).get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
        }
        assertTrue(failures.isEmpty(), failures.size() + " of " + sent.get() + " failed: " + failures);
        assertTrue(slowest.get() < 5_000, "no request waited long: " + slowest.get() + " ms");
    }

    @Test
    void anInvalidFileIsRejectedWithOneLineAndThePreviousRoutesKeepServing() throws Exception {
        Path costs = routes.resolve("costs.yaml");
        String good = Files.readString(costs);
        edit("costs.yaml", "# The cost route", "# The cost route (v1)");
        try (LogLines log = LogLines.capture("dev.caravan.ops.RouteFileReloader")) {
            until(() -> !log.matching(l -> l.message().contains("costs.yaml reloaded")).isEmpty(), "costs.yaml live");
            assertTrue(log.matching(l -> l.level().equals("ERROR")).isEmpty(), "three routes, no duplicate id: "
                    + log.lines());
        }
        String[][] invalid = {
                {"- route:\n    id: record-cost\n  from: [", "does not parse"},
                {good.replace("ref: accessLog", "ref: noSuchBean"), "noSuchBean"},
                // Found only by starting the consumer (after the old routes' consumers left): the old routes come back.
                {good.replace("uri: platform-http:/v1/spend", "uri: platform-http:v1/spend"), "Path must start with /"},
        };
        for (String[] edit : invalid) {
            try (LogLines log = LogLines.capture("dev.caravan.ops.RouteFileReloader")) {
                Files.writeString(costs, edit[0]);
                List<LogLines.Line> errors = log.await(l -> l.level().equals("ERROR"), 1, DEADLINE_MILLIS);
                assertEquals(1, errors.size(), "one error line: " + log.lines());
                String line = errors.get(0).message();
                assertTrue(line.contains(costs.toString()) && line.contains("rejected")
                        && line.contains("previous routes keep serving") && line.contains(edit[1]), line);
                assertServing();
                HttpResponse<String> chat = gateway.post("/v1/chat/completions", CHAT);
                String requestId = chat.headers().firstValue("x-request-id").orElseThrow();
                until(() -> ledger().store().find(requestId), "the previous cost route records");
                long ticks = log.lines().size();
                until(() -> log.lines().size() >= ticks, "one more check");
                Thread.sleep(1_000);
                assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), "logged once: " + log.lines());
            }
        }
        Files.writeString(costs, good);
        try (LogLines log = LogLines.capture("dev.caravan.ops.RouteFileReloader")) {
            until(() -> !log.matching(l -> l.message().contains("costs.yaml reloaded")).isEmpty(), "fixed: live");
        }
        assertServing();
    }

    /**
     * An editor saving in place truncates the file before writing it, and a check may read it in between: a file read
     * empty is judged at the next check, not refused (with an ERROR line) for a content it never meant to have.
     */
    @Test
    void aFileReadEmptyIsJudgedAtTheNextCheckNotRefusedAtOnce() throws Exception {
        Path costs = routes.resolve("costs.yaml");
        String good = Files.readString(costs);
        try (LogLines log = LogLines.capture("dev.caravan.ops.RouteFileReloader")) {
            Files.writeString(costs, "");
            List<LogLines.Line> errors = log.await(l -> l.level().equals("ERROR"), 1, DEADLINE_MILLIS);
            assertEquals(1, errors.size(), "still empty at the next check: refused: " + log.lines());
            List<String> messages = log.lines().stream().map(LogLines.Line::message).toList();
            int waited = messages.indexOf(messages.stream().filter(m -> m.contains("read empty")).findFirst()
                    .orElseThrow(() -> new AssertionError("refused at once: " + messages)));
            assertTrue(waited < messages.indexOf(errors.get(0).message()), messages.toString());
            assertServing();
        }
        Files.writeString(costs, good);
        assertServing();
    }

    @Test
    void anEditCamelWouldNotStartIsRefusedWithoutStoppingTheRoutesItWouldReplace() throws Exception {
        Path costs = routes.resolve("costs.yaml");
        String good = Files.readString(costs);
        String[][] refused = {
                {good.replace("uri: platform-http:/v1/budgets", "uri: platform-http:/v1/spend"),
                        "routes spend and budgets both consume platform-http:///v1/spend?httpMethodRestrict=GET"},
                {good.replace("uri: platform-http:/v1/budgets", "uri: platform-http:/v1/models"),
                        "route budgets would consume platform-http:///v1/models?httpMethodRestrict=GET, which route "
                                + "models of file:" + routes.resolve("api.yaml") + " consumes"},
                {good.replace("httpMethodRestrict: GET", "httpMethodRestrict: GTE"),
                        "route spend cannot consume platform-http:///v1/spend?httpMethodRestrict=GTE: No enum constant"},
        };
        for (String[] edit : refused) {
            Map<String, Route> serving = new HashMap<>();
            gateway.context().getRoutes().forEach(r -> serving.put(r.getRouteId(), r));
            try (LogLines log = LogLines.capture("dev.caravan.ops.RouteFileReloader")) {
                Files.writeString(costs, edit[0]);
                List<LogLines.Line> errors = log.await(l -> l.level().equals("ERROR"), 1, DEADLINE_MILLIS);
                assertEquals(1, errors.size(), "one error line: " + log.lines());
                serving.forEach((id, route) -> assertSame(route, gateway.context().getRoute(id),
                        id + " kept serving, never stopped: " + errors.get(0).message()));
                String line = errors.get(0).message();
                assertTrue(line.contains("costs.yaml rejected, the previous routes keep serving: does not start: ")
                        && line.contains(edit[1]), line);
                assertServing();
            }
        }
        Files.writeString(costs, good);
    }

    private static void assertServing() throws Exception {
        assertEquals(200, gateway.get("/v1/spend").statusCode());
        assertEquals(200, gateway.get("/v1/budgets").statusCode());
        assertEquals(200, gateway.post("/v1/chat/completions", CHAT).statusCode());
        gateway.context().getRoutes().forEach(r -> assertTrue(gateway.context().getRouteController()
                .getRouteStatus(r.getId()).isStarted(), r.getId() + " is started"));
    }

    /** Edits api.yaml: the models route sets x-routes-version to this. */
    private static void setModelsVersion(String version) throws Exception {
        Path api = routes.resolve("api.yaml");
        String text = Files.readString(api);
        String step = "        - setHeader:\n            name: x-routes-version\n            constant: ";
        int at = text.indexOf(step);
        if (at < 0) {
            edit("api.yaml", LIST_STEP, LIST_STEP + step + "\"" + version + "\"\n");
        } else {
            int end = text.indexOf('\n', at + step.length());
            Files.writeString(api, text.substring(0, at + step.length()) + "\"" + version + "\"" + text.substring(end));
        }
    }

    private static String modelsVersion() throws Exception {
        return gateway.get("/v1/models").headers().firstValue("x-routes-version").orElse(null);
    }

    private static void edit(String file, String find, String replace) throws Exception {
        Path path = routes.resolve(file);
        String text = Files.readString(path);
        if (!text.contains(find)) {
            fail(file + " has no " + find);
        }
        Files.writeString(path, text.replace(find, replace));
    }

    private static Ledger ledger() {
        return gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
    }

    private static void until(Eventually.Check check, String what) throws Exception {
        Eventually.until(check, DEADLINE_MILLIS, what);
    }

    private static <T> T until(Eventually.Lookup<T> lookup, String what) throws Exception {
        return Eventually.until(lookup, DEADLINE_MILLIS, what);
    }
}
