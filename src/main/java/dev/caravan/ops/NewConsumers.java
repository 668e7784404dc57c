package dev.caravan.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.Consumer;
import org.apache.camel.Endpoint;
import org.apache.camel.MultipleConsumersSupport;
import org.apache.camel.Route;
import org.apache.camel.RouteAware;
import org.apache.camel.ServiceStatus;
import org.apache.camel.spi.RouteIdAware;
import org.apache.camel.support.service.ServiceHelper;
import org.apache.camel.util.URISupport;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;

/**
 * The consumers of new routes, checked before the routes they replace are taken down for what Camel would find only
 * while starting them: a second consumer on an endpoint (one that a route of another file keeps consuming, or one that
 * two new routes share), and a consumer that cannot be created or set up (e.g. an unknown httpMethodRestrict). A
 * consumer is set up, not started: what only its start finds (a platform-http path without its leading /) is found
 * during the swap, which then puts the old routes back.
 */
final class NewConsumers {

    private final CamelContext context;
    private final List<Route> routes;
    private final Set<String> replaced;

    /** {@code routes} are built but not added; {@code replaced} are the ids of the routes they take the place of. */
    NewConsumers(CamelContext context, List<Route> routes, Set<String> replaced) {
        this.context = context;
        this.routes = routes;
        this.replaced = replaced;
    }

    /** Throws the first thing that would keep one of the consumers from starting. */
    void checkStartable() throws Rejection {
        Map<Endpoint, Route> consumers = new HashMap<>();
        for (Route staying : context.getRoutes()) {
            ServiceStatus status = context.getRouteController().getRouteStatus(staying.getRouteId());
            if (!replaced.contains(staying.getRouteId()) && status != null
                    && (status.isStarted() || status.isStarting())) {
                consumers.put(staying.getEndpoint(), staying);
            }
        }
        for (Route route : routes) {
            if (Boolean.FALSE.equals(route.isAutoStartup())) {
                continue; // its consumer is not started
            }
            Endpoint endpoint = route.getEndpoint();
            Route other = consumers.putIfAbsent(endpoint, route);
            boolean shared = endpoint instanceof MultipleConsumersSupport m && m.isMultipleConsumersSupported();
            if (other != null && !shared) {
                throw clash(route, other, endpoint);
            }
            setUp(route);
        }
    }

    private Rejection clash(Route route, Route other, Endpoint endpoint) {
        String uri = URISupport.sanitizeUri(endpoint.getEndpointUri());
        if (routes.contains(other)) {
            return new Rejection("does not start: routes " + other.getRouteId() + " and " + route.getRouteId()
                    + " both consume " + uri, null);
        }
        String file = other.getSourceResource() == null ? "" : " of " + other.getSourceResource().getLocation();
        return Rejection.untilOtherFilesChange("does not start: route " + route.getRouteId()
                + " would consume " + uri + ", which route " + other.getRouteId() + file + " consumes");
    }

    /**
     * Creates and initialises the route's consumer as Camel does before starting it, then drops it: a consumer that is
     * not started holds nothing. It is given a processor of its own, so that the route's steps are left untouched.
     */
    private static void setUp(Route route) throws Rejection {
        try {
            Consumer consumer = route.getEndpoint().createConsumer(exchange -> {
            });
            if (consumer instanceof RouteAware aware) {
                aware.setRoute(route);
            }
            if (consumer instanceof RouteIdAware aware) {
                aware.setRouteId(route.getRouteId());
            }
            ServiceHelper.initService(consumer);
        } catch (Exception e) {
            throw new Rejection("does not start: route " + route.getRouteId() + " cannot consume "
                    + URISupport.sanitizeUri(route.getEndpoint().getEndpointUri()) + ": " + Rejection.reason(e), e);
        }
    }
}
