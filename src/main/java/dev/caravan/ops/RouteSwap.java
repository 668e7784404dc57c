package dev.caravan.ops;

import dev.caravan.api.RouteSwapHold;
import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.Processor;
import org.apache.camel.Route;
import org.apache.camel.RoutesBuilder;
import org.apache.camel.Service;
import org.apache.camel.builder.RouteBuilder;
import org.apache.camel.builder.RouteConfigurationBuilder;
import org.apache.camel.model.Model;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.reifier.RouteReifier;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;

import java.util.ArrayList;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * Replaces the routes of YAML files with those of their new content: builds and checks the new routes (unique ids,
 * every direct: endpoint a route calls still consumed, consumers that can start: {@link NewConsumers}) before any live
 * route is touched, then swaps them without waiting for the old routes' in-flight exchanges, which finish on the old
 * processors ({@link RetiredRoutes}). Camel's own reload stops a route by waiting for its exchanges (a
 * stream can take minutes, while its endpoint answers 503 or blocks its callers) and removes it before its
 * replacement is known to build.
 */
final class RouteSwap {

    private final CamelContext context;
    private final Model model;
    private final RetiredRoutes retired;
    private final RouteSwapHold hold;

    RouteSwap(CamelContext context, RetiredRoutes retired, RouteSwapHold hold) {
        this.context = context;
        this.model = context.getCamelContextExtension().getContextPlugin(Model.class);
        this.retired = retired;
        this.hold = hold;
    }

    /** What one file's new content put in service: its routes now serving, and how many routes it replaced. */
    record Swapped(Set<String> ids, int replaced) {
    }

    /**
     * Swaps the routes of these files for those of their new contents, all at once, so that a route may move from one
     * file to another; answers what now serves, by file (its location, as Camel records it).
     */
    Map<String, Swapped> apply(List<Resource> contents) throws Rejection {
        Map<String, List<RouteDefinition>> oldByFile = new LinkedHashMap<>();
        Map<String, List<RouteDefinition>> newByFile = new LinkedHashMap<>();
        List<RouteDefinition> old = new ArrayList<>();
        List<RouteDefinition> routes = new ArrayList<>();
        List<RouteConfigurationBuilder> configurations = new ArrayList<>();
        for (Resource content : contents) {
            List<RouteDefinition> fileRoutes = parse(content, configurations);
            newByFile.put(content.getLocation(), fileRoutes);
            routes.addAll(fileRoutes);
            oldByFile.put(content.getLocation(), routesOf(content.getLocation()));
            old.addAll(oldByFile.get(content.getLocation()));
        }
        Set<String> oldIds = ids(old);
        checkIds(routes, oldIds);

        List<RouteConfigurationDefinition> configurationsBefore = new ArrayList<>(model.getRouteConfigurationDefinitions());
        List<Route> built = new ArrayList<>();
        try {
            for (RouteConfigurationBuilder rcb : configurations) {
                rcb.updateRouteConfigurationsToCamelContext(context);
            }
            for (RouteDefinition route : routes) {
                // Builds every step (beans, endpoints, placeholders, error handling) without adding the route.
                built.add(new RouteReifier(context, route).createRoute());
            }
        } catch (Exception e) {
            restore(configurationsBefore);
            throw new Rejection("does not build: " + Rejection.reason(e), e);
        }
        try {
            checkDirectCalls(old, routes, built, configurationsBefore);
            new NewConsumers(context, built, oldIds).checkStartable();
        } catch (Rejection e) {
            restore(configurationsBefore);
            throw e;
        }
        swap(old, routes, configurationsBefore);
        Map<String, Swapped> swapped = new LinkedHashMap<>();
        newByFile.forEach((location, fileRoutes) ->
                swapped.put(location, new Swapped(ids(fileRoutes), oldByFile.get(location).size())));
        return swapped;
    }

    /** The routes loaded from this file (by its location, as Camel recorded it). */
    private List<RouteDefinition> routesOf(String location) {
        List<RouteDefinition> routes = new ArrayList<>();
        for (RouteDefinition route : model.getRouteDefinitions()) {
            if (route.getResource() != null && location.equals(route.getResource().getLocation())
                    && !route.isCreatedFromTemplate()) {
                routes.add(route);
            }
        }
        return routes;
    }

    /** The file's routes; its route configurations are added to {@code configurations}. */
    private List<RouteDefinition> parse(Resource content, List<RouteConfigurationBuilder> configurations)
            throws Rejection {
        List<RouteDefinition> routes = new ArrayList<>();
        try {
            for (RoutesBuilder builder : PluginHelper.getRoutesLoader(context).findRoutesBuilders(content)) {
                if (builder instanceof RouteConfigurationBuilder rcb) {
                    configurations.add(rcb);
                }
                if (builder instanceof RouteBuilder rb) {
                    routes.addAll(rb.configureRoutes(context).getRoutes());
                    if (!rb.getRouteTemplateCollection().getRouteTemplates().isEmpty()) {
                        throw new Rejection("route templates are not reloaded live (restart to change them)", null);
                    }
                }
            }
        } catch (Rejection e) {
            throw e;
        } catch (Exception e) {
            throw new Rejection("does not parse: " + Rejection.reason(e), e);
        }
        return routes;
    }

    private static Set<String> ids(List<RouteDefinition> routes) {
        Set<String> ids = new LinkedHashSet<>();
        routes.forEach(r -> ids.add(r.getRouteId()));
        return ids;
    }

    private void checkIds(List<RouteDefinition> routes, Set<String> oldIds) throws Rejection {
        Set<String> seen = new HashSet<>();
        for (RouteDefinition route : routes) {
            String id = route.getRouteId();
            if (id == null) {
                continue;
            }
            if (!seen.add(id)) {
                throw new Rejection("route id " + id + " appears twice", null);
            }
            if (context.getRoute(id) != null && !oldIds.contains(id)) {
                throw Rejection.untilOtherFilesChange("route id " + id + " is already used by a route of " + fileOf(id)
                        + " (a route moving from there is taken once that file no longer has it)");
            }
        }
    }

    private String fileOf(String routeId) {
        RouteDefinition route = model.getRouteDefinition(routeId);
        return route == null || route.getResource() == null ? "another file" : route.getResource().getLocation();
    }

    /**
     * Refuses new routes after which a direct: endpoint that a route calls would have no consumer: each call would
     * wait on its thread (an event loop, for the HTTP routes) for the direct component's timeout, then fail.
     */
    private void checkDirectCalls(List<RouteDefinition> old, List<RouteDefinition> routes, List<Route> built,
            List<RouteConfigurationDefinition> configurationsBefore) throws Rejection {
        Set<String> oldIds = ids(old);
        List<Endpoint> consumersAfter = new ArrayList<>();
        context.getRoutes().stream().filter(r -> !oldIds.contains(r.getRouteId()))
                .forEach(r -> consumersAfter.add(r.getEndpoint()));
        built.forEach(r -> consumersAfter.add(r.getEndpoint()));
        List<RouteDefinition> routesAfter = new ArrayList<>(model.getRouteDefinitions());
        routesAfter.removeAll(old);
        routesAfter.addAll(routes);
        UnansweredDirectCalls before = new UnansweredDirectCalls(context, model.getRouteDefinitions(),
                configurationsBefore, context.getRoutes().stream().map(Route::getEndpoint).toList());
        UnansweredDirectCalls after = new UnansweredDirectCalls(context, routesAfter,
                model.getRouteConfigurationDefinitions(), consumersAfter);
        String unanswered = after.newSince(before);
        if (unanswered != null) {
            throw Rejection.untilOtherFilesChange(unanswered);
        }
    }

    private void swap(List<RouteDefinition> old, List<RouteDefinition> routes,
            List<RouteConfigurationDefinition> configurationsBefore) throws Rejection {
        List<Service> processors = new ArrayList<>();
        hold.close();
        try {
            for (RouteDefinition route : old) {
                processors.addAll(remove(route));
            }
            try {
                model.addRouteDefinitions(routes);
            } catch (Exception e) {
                rollBack(old, routes, configurationsBefore);
                throw new Rejection("does not start: " + Rejection.reason(e), e);
            }
        } finally {
            hold.open();
            retired.retire(String.join(", ", old.stream().map(RouteDefinition::getRouteId).toList()), processors);
        }
    }

    /**
     * Takes the route out of Camel at once, leaving its processors running: only its consumer is stopped (Camel
     * stops what the route lists as its services, and waits for the route's in-flight count). Answers the processors.
     */
    private List<Service> remove(RouteDefinition definition) throws Rejection {
        String id = definition.getRouteId();
        Route route = context.getRoute(id);
        List<Service> processors = new ArrayList<>();
        if (route != null) {
            Consumer consumer = route.getConsumer();
            processors.addAll(route.getServices());
            processors.remove(consumer);
            for (Processor p : route.getOnExceptions()) {
                if (p instanceof Service s) {
                    processors.add(s);
                }
            }
            for (Processor p : route.getOnCompletions()) {
                if (p instanceof Service s) {
                    processors.add(s);
                }
            }
            route.getServices().retainAll(consumer == null ? List.of() : List.of(consumer));
            route.getOnExceptions().clear();
            route.getOnCompletions().clear();
            // The consumer stops the processor it feeds when it stops, and with it the whole route.
            if (RetiredRoutes.keepRunning(route.getProcessor())) {
                processors.add(0, (Service) route.getProcessor());
            } else {
                throw new Rejection("route " + id + " cannot be replaced without stopping its in-flight exchanges", null);
            }
        }
        // The in-flight exchanges finish on the old processors and then count themselves out under the route's id:
        // the count moves to the route's new version, so that the graceful shutdown still waits for them.
        InflightRepository inflight = context.getInflightRepository();
        int stillInFlight = inflight.size(id);
        inflight.removeRoute(id);
        try {
            model.removeRouteDefinition(definition);
        } catch (Exception e) {
            throw new Rejection("cannot remove route " + id + ": " + Rejection.reason(e), e);
        } finally {
            inflight.addRoute(id);
            for (int i = 0; i < stillInFlight; i++) {
                inflight.add(null, id);
            }
        }
        return processors;
    }

    /** The new routes did not start: the ones that did are removed, and the old definitions serve again. */
    private void rollBack(List<RouteDefinition> old, List<RouteDefinition> routes,
            List<RouteConfigurationDefinition> configurationsBefore) {
        for (RouteDefinition route : routes) {
            try {
                if (route.getRouteId() != null && context.getRoute(route.getRouteId()) != null) {
                    model.removeRouteDefinition(route);
                } else {
                    model.getRouteDefinitions().remove(route);
                }
            } catch (Exception ignored) {
                // the route did not come up; nothing of it serves
            }
        }
        restore(configurationsBefore);
        try {
            model.addRouteDefinitions(old);
        } catch (Exception e) {
            throw new IllegalStateException("the previous routes did not start again: " + Rejection.reason(e), e);
        }
    }

    private void restore(List<RouteConfigurationDefinition> configurations) {
        model.getRouteConfigurationDefinitions().clear();
        model.getRouteConfigurationDefinitions().addAll(configurations);
    }
}
