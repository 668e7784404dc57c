package dev.caravan.ops;

import dev.caravan.ledger.Ledger;
import dev.caravan.support.Eventually;
import dev.caravan.support.Gateway;
import dev.caravan.support.RoutesCopy;
import org.apache.camel.Route;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.io.TempDir;

import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CompletableFuture;
import java.util.concurrent.ConcurrentLinkedQueue;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertNotEquals;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertTrue;

/**
 * Route file edits whose effect reaches other files: a route moved from one file to another is applied whichever file
 * lands first; a route id that another file holds, and an edit that would leave a called direct: endpoint without its
 * consumer, are refused with one ERROR line; a refused file is left alone by other files' edits (unless they may
 * lift its refusal) until it changes itself; and a call that finds no consumer all the same fails at once.
 */
class RouteReloadAcrossFilesTest {

    private static final long DEADLINE_MILLIS = 20_000;
    private static final String CHAT = "{\"model\":\"mock-echo\",\"messages\":[{\"role\":\"user\",\"content\":\"hi\"}]}";
    private static final String RELOADER = "dev.caravan.ops.RouteFileReloader";

    @TempDir
    Path dir;
    Path routes;

    @Test
    void aRouteMovedToAFileThatLandsFirstKeepsServingAndMovesWhenTheOtherFileLands() throws Exception {
        try (Gateway gateway = start(Map.of()); LogLines log = LogLines.capture(RELOADER)) {
            String costs = read("costs.yaml");
            String budgets = route(costs, "budgets");
            ConcurrentLinkedQueue<Integer> failures = new ConcurrentLinkedQueue<>();
            AtomicBoolean asking = new AtomicBoolean(true);
            CompletableFuture<Void> client = CompletableFuture.runAsync(() -> {
                while (asking.get()) {
                    try {
                        int status = gateway.get("/v1/budgets").statusCode();
                        if (status != 200) {
                            failures.add(status);
                        }
                    } catch (Exception e) {
                        failures.add(-1);
                    }
                }
            });
            try {
                // admin.yaml lands first (git pull, rsync, a ConfigMap update): the id is still costs.yaml's.
                land("admin.yaml", read("admin.yaml") + "\n" + budgets);
                String error = oneError(log);
                assertTrue(error.contains("route id budgets is already used by"), error);

                land("costs.yaml", costs.replace(budgets, ""));
                until(() -> log.matching(l -> l.message().contains("reloaded")).size() == 2, "both files live");
                assertTrue(log.matching(l -> l.message().contains("admin.yaml reloaded")
                        && l.message().contains("budgets")).size() == 1, "budgets serves from admin.yaml: "
                        + log.lines());
            } finally {
                asking.set(false);
                client.get(DEADLINE_MILLIS, TimeUnit.MILLISECONDS);
            }
            assertTrue(failures.isEmpty(), "/v1/budgets answered throughout the move: " + failures);
            assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), log.lines().toString());
        }
    }

    @Test
    void aRouteCalledThroughDirectMovesWhenBothFilesHaveLanded() throws Exception {
        try (Gateway gateway = start(Map.of()); LogLines log = LogLines.capture(RELOADER)) {
            String costs = read("costs.yaml");
            String recordCost = route(costs, "record-cost");

            // costs.yaml lands first: alone, it would leave the chat route's wire tap without its consumer.
            land("costs.yaml", costs.replace(recordCost, ""));
            String error = oneError(log);
            assertTrue(error.contains("direct:record-cost would have no consumer; route chat, "
                    + "route configuration answer-errors call it"), error);
            assertRecorded(gateway);

            land("admin.yaml", read("admin.yaml") + "\n" + recordCost);
            until(() -> log.matching(l -> l.message().contains("reloaded")).size() == 2, "both files live");
            assertRecorded(gateway);
            assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), log.lines().toString());
        }
    }

    @Test
    void aRouteIdAnotherFileHoldsIsRefusedOnceAndChangesNothing() throws Exception {
        try (Gateway gateway = start(Map.of()); LogLines log = LogLines.capture(RELOADER)) {
            String copy = route(read("costs.yaml"), "spend").replace("/v1/spend", "/v1/spend-copy");
            land("admin.yaml", read("admin.yaml") + "\n" + copy);
            String error = oneError(log);
            assertTrue(error.contains("admin.yaml rejected, the previous routes keep serving: "
                    + "route id spend is already used by a route of file:" + routes.resolve("costs.yaml")), error);
            assertNotEquals(200, gateway.get("/v1/spend-copy").statusCode());

            // Another file's edit tries the refused file again, which changes nothing and is not logged again.
            land("dispatch.yaml", read("dispatch.yaml").replace("# Dispatch: try", "# Dispatch (edited): try"));
            until(() -> !log.matching(l -> l.message().contains("dispatch.yaml reloaded")).isEmpty(),
                    "dispatch.yaml live");
            Thread.sleep(1_000);
            assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), log.lines().toString());
            assertEquals(1, log.matching(l -> l.message().contains("reloaded")).size(), log.lines().toString());
            assertNotEquals(200, gateway.get("/v1/spend-copy").statusCode());
            assertEquals(200, gateway.get("/v1/spend").statusCode());
        }
    }

    @Test
    void aRefusedFileIsTriedAgainWhenItChangesNotWhenAnotherFileDoes() throws Exception {
        try (Gateway gateway = start(Map.of()); LogLines log = LogLines.capture(RELOADER)) {
            // It parses, builds and passes every check; only its consumer's start fails (a path must begin with /).
            String costs = read("costs.yaml");
            land("costs.yaml", costs.replace("uri: platform-http:/v1/spend", "uri: platform-http:v1/spend"));
            String error = oneError(log);
            assertTrue(error.contains("costs.yaml rejected, the previous routes keep serving: does not start")
                    && error.contains("Path must start with /"), error);
            Map<String, Route> serving = routes(gateway);

            land("dispatch.yaml", read("dispatch.yaml").replace("# Dispatch: try", "# Dispatch (edited): try"));
            until(() -> !log.matching(l -> l.message().contains("dispatch.yaml reloaded")).isEmpty(),
                    "dispatch.yaml live");
            reloader(gateway).reloadIfChanged();
            serving.forEach((id, route) -> {
                if (!id.equals("dispatch")) {
                    assertSame(route, gateway.context().getRoute(id), id + " was not stopped and started again");
                }
            });
            assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), log.lines().toString());
            assertEquals(200, gateway.get("/v1/spend").statusCode());

            land("costs.yaml", costs.replace("# The cost route", "# The cost route (fixed)"));
            until(() -> !log.matching(l -> l.message().contains("costs.yaml reloaded")).isEmpty(), "costs.yaml live");
            assertEquals(200, gateway.get("/v1/spend").statusCode());
        }
    }

    @Test
    void anEditThatLeavesACalledDirectEndpointWithoutConsumerIsRefused() throws Exception {
        try (Gateway gateway = start(Map.of("caravan.http.event-loops", "1"));
             LogLines log = LogLines.capture(RELOADER)) {
            land("dispatch.yaml", read("dispatch.yaml").replace("uri: direct:dispatch", "uri: direct:dispatch-v2"));
            String error = oneError(log);
            assertTrue(error.contains("dispatch.yaml rejected, the previous routes keep serving: "
                    + "direct:dispatch would have no consumer; route chat calls it"), error);
            HttpResponse<String> chat = gateway.post("/v1/chat/completions", CHAT);
            assertEquals(200, chat.statusCode(), chat.body());
            Thread.sleep(1_000);
            assertEquals(1, log.matching(l -> l.level().equals("ERROR")).size(), log.lines().toString());
        }
    }

    @Test
    void aCallToADirectEndpointWithoutConsumerFailsAtOnceAndHoldsNoEventLoop() throws Exception {
        routes = RoutesCopy.in(dir);
        Files.writeString(routes.resolve("orphan.yaml"), """
                - route:
                    id: orphan
                    from:
                      uri: platform-http:/test/orphan
                      steps:
                        - to: direct:nowhere
                """);
        try (Gateway gateway = start(Map.of("caravan.http.event-loops", "1"));
             LogLines log = LogLines.capture(RELOADER)) {
            CompletableFuture<HttpResponse<String>> orphan = CompletableFuture.supplyAsync(() -> {
                try {
                    return gateway.get("/test/orphan");
                } catch (Exception e) {
                    throw new IllegalStateException(e);
                }
            });
            long start = System.nanoTime();
            assertEquals(200, gateway.get("/v1/models").statusCode());
            assertEquals(500, orphan.get(1, TimeUnit.SECONDS).statusCode());
            assertTrue(System.nanoTime() - start < TimeUnit.SECONDS.toNanos(1), "neither request waited");

            // An endpoint without its consumer since the start is not an edit's doing: other edits still go live.
            land("dispatch.yaml", read("dispatch.yaml").replace("# Dispatch: try", "# Dispatch (edited): try"));
            until(() -> !log.matching(l -> l.message().contains("dispatch.yaml reloaded")).isEmpty(),
                    "dispatch.yaml live");
            assertTrue(log.matching(l -> l.level().equals("ERROR")).isEmpty(), log.lines().toString());
        }
    }

    /** The routes now in service, by id. */
    private static Map<String, Route> routes(Gateway gateway) {
        Map<String, Route> routes = new HashMap<>();
        gateway.context().getRoutes().forEach(r -> routes.put(r.getRouteId(), r));
        return routes;
    }

    private static RouteFileReloader reloader(Gateway gateway) {
        return gateway.context().getRegistry().lookupByNameAndType("routeFiles", RouteFileReloader.class);
    }

    private Gateway start(Map<String, String> properties) throws Exception {
        if (routes == null) {
            routes = RoutesCopy.in(dir);
        }
        Map<String, String> all = new HashMap<>(properties);
        all.put("camel.main.routes-include-pattern", RoutesCopy.includePattern(routes));
        all.put("caravan.routes.reload-period-ms", "250");
        return Gateway.start(all);
    }

    private String read(String file) throws Exception {
        return Files.readString(routes.resolve(file));
    }

    /** The text of the route with this id in a routes file's text, up to the next route or the end. */
    private static String route(String text, String id) {
        int at = text.indexOf("- route:\n    id: " + id + "\n");
        assertTrue(at >= 0, "no route " + id);
        int next = text.indexOf("\n- route:", at + 1);
        return text.substring(at, next < 0 ? text.length() : next + 1);
    }

    /** Writes the file's new content aside and moves it in, as git, rsync and the kubelet do. */
    private void land(String file, String content) throws Exception {
        Path aside = dir.resolve(file + ".new");
        Files.writeString(aside, content);
        Files.move(aside, routes.resolve(file), StandardCopyOption.REPLACE_EXISTING, StandardCopyOption.ATOMIC_MOVE);
    }

    /** Waits for the reloader's first ERROR line and answers it. */
    private static String oneError(LogLines log) throws Exception {
        List<LogLines.Line> errors = log.await(l -> l.level().equals("ERROR"), 1, DEADLINE_MILLIS);
        assertEquals(1, errors.size(), "one ERROR line: " + log.lines());
        return errors.get(0).message();
    }

    private static void assertRecorded(Gateway gateway) throws Exception {
        HttpResponse<String> chat = gateway.post("/v1/chat/completions", CHAT);
        assertEquals(200, chat.statusCode(), chat.body());
        String id = chat.headers().firstValue("x-request-id").orElseThrow();
        Ledger ledger = gateway.context().getRegistry().lookupByNameAndType("ledger", Ledger.class);
        Eventually.until(() -> ledger.store().find(id), DEADLINE_MILLIS, "the chat's cost is recorded");
    }

    private static void until(Eventually.Check check, String what) throws Exception {
        Eventually.until(check, DEADLINE_MILLIS, what);
    }
}
