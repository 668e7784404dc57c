package dev.caravan.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.component.micrometer.eventnotifier.MicrometerRouteEventNotifier;
import org.apache.camel.spi.CamelEvent;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.support.EventHelper;
import org.apache.camel.support.EventNotifierSupport;

import java.util.function.Consumer;

/**
 * Listeners for the context's own start and stop that cost nothing per request. While any event notifier takes
 * exchange events, Camel builds and offers an event for every exchange created, sent and completed and every step
 * on the request path (several per chat request); with none, it skips all of that.
 */
public final class ContextEvents {

    private ContextEvents() {
    }

    /** Calls {@code listener} with the context's own events only (started, stopping, stopped and the like). */
    public static void on(CamelContext context, Consumer<CamelEvent> listener) {
        EventNotifierSupport notifier = new EventNotifierSupport() {
            @Override
            public void notify(CamelEvent event) {
                listener.accept(event);
            }
        };
        notifier.setIgnoreExchangeEvents(true);
        notifier.setIgnoreRouteEvents(true);
        notifier.setIgnoreServiceEvents(true);
        notifier.setIgnoreStepEvents(true);
        context.getManagementStrategy().addEventNotifier(notifier);
    }

    /**
     * Camel's Micrometer route notifier (routes added and running, {@code camel.metrics.enableRouteEventNotifier})
     * counts route events only but does not say so, which alone keeps exchange events on. Once the context has
     * started, it is told to ignore them and Camel asks again whether any notifier still wants them.
     */
    static void dropUnwantedExchangeEvents(CamelContext context) {
        for (EventNotifier notifier : context.getManagementStrategy().getEventNotifiers()) {
            if (notifier instanceof MicrometerRouteEventNotifier) {
                notifier.setIgnoreExchangeEvents(true);
            }
        }
        context.getCamelContextExtension().setEventNotificationApplicable(EventHelper.eventsApplicable(context));
    }
}
