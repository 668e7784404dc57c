package dev.caravan.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.Endpoint;
import org.apache.camel.model.CircuitBreakerDefinition;
import org.apache.camel.model.OnCompletionDefinition;
import org.apache.camel.model.OnExceptionDefinition;
import org.apache.camel.model.ProcessorDefinition;
import org.apache.camel.model.ProcessorDefinitionHelper;
import org.apache.camel.model.RouteConfigurationDefinition;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.model.SendDefinition;
import org.apache.camel.model.ToDynamicDefinition;

import java.util.ArrayList;
import java.util.Collection;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;
import java.util.TreeSet;

/**
 * The direct: endpoints that routes call while no route consumes them (a call to one waits on its thread for a
 * consumer, then fails). Only the endpoints written out in the routes count (to, wireTap, a toD without an
 * expression); those a toD computes per exchange are not known before it runs.
 */
final class UnansweredDirectCalls {

    private static final String DIRECT = "direct:";

    private final CamelContext context;
    /** By endpoint (direct:name), the routes and route configurations that call it and find no consumer. */
    private final Map<String, Set<String>> unanswered = new TreeMap<>();

    UnansweredDirectCalls(CamelContext context, Collection<RouteDefinition> routes,
            Collection<RouteConfigurationDefinition> configurations, Collection<Endpoint> consumers) {
        this.context = context;
        Map<String, Set<String>> calls = new TreeMap<>();
        for (RouteDefinition route : routes) {
            collect(ownSteps(route), "route " + route.getRouteId(), calls);
        }
        for (RouteConfigurationDefinition configuration : configurations) {
            List<ProcessorDefinition<?>> outputs = new ArrayList<>();
            outputs.addAll(configuration.getOnExceptions());
            outputs.addAll(configuration.getOnCompletions());
            outputs.addAll(configuration.getIntercepts());
            outputs.addAll(configuration.getInterceptFroms());
            outputs.addAll(configuration.getInterceptSendTos());
            collect(outputs, "route configuration " + configuration.getId(), calls);
        }
        Set<String> consumed = new HashSet<>();
        consumers.forEach(endpoint -> consumed.add(directName(endpoint.getEndpointUri())));
        calls.forEach((endpoint, callers) -> {
            if (!consumed.contains(endpoint)) {
                unanswered.put(endpoint, callers);
            }
        });
    }

    /**
     * The unanswered calls here that {@code before} did not have, as one line (e.g. "direct:dispatch would have no
     * consumer; route chat calls it"); null when there are none.
     */
    String newSince(UnansweredDirectCalls before) {
        List<String> lines = new ArrayList<>();
        unanswered.forEach((endpoint, callers) -> {
            if (!before.unanswered.containsKey(endpoint)) {
                lines.add(endpoint + " would have no consumer; " + String.join(", ", callers)
                        + (callers.size() == 1 ? " calls it" : " call it"));
            }
        });
        return lines.isEmpty() ? null : String.join("; ", lines);
    }

    /** The route's steps without those Camel copied in from its route configuration (they are counted there). */
    private static List<ProcessorDefinition<?>> ownSteps(RouteDefinition route) {
        List<ProcessorDefinition<?>> steps = new ArrayList<>(route.getOutputs());
        steps.removeIf(step -> step instanceof OnExceptionDefinition onException && !onException.isRouteScoped()
                || step instanceof OnCompletionDefinition onCompletion && !onCompletion.isRouteScoped());
        return steps;
    }

    private void collect(List<ProcessorDefinition<?>> outputs, String caller, Map<String, Set<String>> calls) {
        for (ProcessorDefinition<?> step : ProcessorDefinitionHelper.filterTypeInOutputs(outputs,
                ProcessorDefinition.class)) {
            String uri = step instanceof SendDefinition<?> send ? send.getEndpointUri()
                    : step instanceof ToDynamicDefinition dynamic ? dynamic.getUri() : null;
            String endpoint = directName(resolve(uri));
            if (endpoint != null) {
                calls.computeIfAbsent(endpoint, e -> new TreeSet<>()).add(caller);
            }
            // A circuit breaker's fallback is not among its outputs.
            if (step instanceof CircuitBreakerDefinition breaker && breaker.getOnFallback() != null) {
                collect(breaker.getOnFallback().getOutputs(), caller, calls);
            }
        }
    }

    /** The uri with its property placeholders resolved; null when it is computed per exchange or cannot be resolved. */
    private String resolve(String uri) {
        if (uri == null || uri.contains("${") || uri.contains("$simple{")) {
            return null;
        }
        try {
            return context.resolvePropertyPlaceholders(uri);
        } catch (RuntimeException e) {
            return null; // e.g. a route template's parameter
        }
    }

    /** direct:name for direct:name, direct://name and direct:name?options; null for another component's uri. */
    private static String directName(String uri) {
        if (uri == null || !uri.startsWith(DIRECT)) {
            return null;
        }
        String name = uri.substring(DIRECT.length());
        name = name.startsWith("//") ? name.substring(2) : name;
        int options = name.indexOf('?');
        return DIRECT + (options < 0 ? name : name.substring(0, options));
    }
}
