package dev.caravan.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.NamedNode;
import org.apache.camel.component.micrometer.MicrometerConstants;
import org.apache.camel.component.micrometer.MicrometerUtils;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyConfiguration;
import org.apache.camel.component.micrometer.routepolicy.MicrometerRoutePolicyFactory;
import org.apache.camel.spi.RoutePolicy;

/**
 * Camel's route timings and counts ({@code camel_exchanges_*}, {@code camel_route_policy_*}) for the routes callers
 * call other than chat, not for the routes each request passes through inside the gateway: a route policy costs
 * every exchange that enters its route (a formatted property name and a timer sample at each start and end, about
 * 2 % of the gateway's CPU per route a chat request enters). Chat requests, the gateway's hot path, are timed and
 * counted by the gateway's own histograms, end to end, per API, provider and model
 * ({@code caravan_requests_total}, {@code caravan_request_duration_seconds}).
 * Takes the place of {@code camel.metrics.enableRoutePolicy} (off in application.properties).
 */
public final class RouteTimings extends MicrometerRoutePolicyFactory {

    /** The chat routes and the routes of their journey, and the cost route (PatternHelper patterns, comma-separated). */
    static final String INTERNAL_ROUTES =
            "chat-completions,ai-chat,chat,dispatch,provider-*,account-*,record-cost,reload-routes";

    public RouteTimings() {
        MicrometerRoutePolicyConfiguration configuration = new MicrometerRoutePolicyConfiguration();
        configuration.setExcludePattern(INTERNAL_ROUTES);
        // Per route only, not also for the whole context: each statistic formats a property name at the start and
        // at the end of every exchange (String.format), and the context's doubled that for every request; its
        // figures (eventType="context") are the sum of the routes' own.
        configuration.setContextEnabled(false);
        setPolicyConfiguration(configuration);
    }

    @Override
    public RoutePolicy createRoutePolicy(CamelContext context, String routeId, NamedNode route) {
        if (getMeterRegistry() == null) {
            setMeterRegistry(MicrometerUtils.getMeterRegistryFromCamelRegistry(context.getRegistry(),
                    MicrometerConstants.METRICS_REGISTRY_NAME));
        }
        return super.createRoutePolicy(context, routeId, route);
    }
}
