package dev.caravan.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.StartupListener;
import org.apache.camel.component.platform.http.main.MainHttpServerUtil;
import org.apache.camel.component.micrometer.eventnotifier.MicrometerRouteEventNotifier;
import org.apache.camel.spi.EventNotifier;
import org.apache.camel.support.EventHelper;
import org.apache.camel.support.LifecycleStrategySupport;

import java.util.List;

/**
 * What to do when the context has started, begins to stop or has stopped, at no cost per request. These are
 * startup listeners and lifecycle strategies, not event notifiers: Camel walks its list of event notifiers for every
 * exchange created, sent and completed, and for every step of a request that goes on asynchronously (a dozen levels
 * of the chat route each time its provider call is sent), whether or not a notifier wants those events.
 */
public final class ContextEvents {

    private ContextEvents() {
    }

    /**
     * Runs {@code action} once the context, its routes and its HTTP servers have started. If it fails, the context
     * fails to start (and the launcher exits): a gateway that cannot serve as configured must not look as if it did.
     * Camel ignores a lifecycle strategy's failure at start, so this is a startup listener.
     */
    public static void onStarted(CamelContext context, Runnable action) {
        try {
            context.addStartupListener(new StartupListener() {
                @Override
                public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
                    if (alreadyStarted) { // registered after the start: Camel calls this once, now
                        action.run();
                    }
                }

                @Override
                public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) {
                    action.run();
                }
            });
        } catch (Exception e) {
            throw new IllegalStateException("cannot run a start hook", e);
        }
    }

    /** Runs {@code action} once when the context begins to stop, before its routes are stopped. */
    public static void onStopping(CamelContext context, Runnable action) {
        context.addLifecycleStrategy(new Hook(action, null));
    }

    /** Runs {@code action} once the context has stopped. */
    public static void onStopped(CamelContext context, Runnable action) {
        context.addLifecycleStrategy(new Hook(null, action));
    }

    private static final class Hook extends LifecycleStrategySupport {
        private final Runnable stopping;
        private final Runnable stopped;

        Hook(Runnable stopping, Runnable stopped) {
            this.stopping = stopping;
            this.stopped = stopped;
        }

        @Override
        public void onContextStopping(CamelContext context) {
            // Camel tells its strategies on every call of stop(), also once it has stopped or is stopping.
            if (!context.isStopped() && !context.isStopping()) {
                run(stopping);
            }
        }

        @Override
        public void onContextStopped(CamelContext context) {
            run(stopped);
        }

        private static void run(Runnable action) {
            if (action != null) {
                action.run();
            }
        }
    }

    /**
     * Once the context has fully started, removes the event notifiers that camel-platform-http-main leaves behind to
     * log the list of HTTP endpoints: they have logged it (at the start), and would log it again only after Camel's own
     * route reloading, which Caravan leaves off (its route reloader logs what it swaps). Every notifier left costs every
     * request a little (see the class comment).
     */
    static void dropEndpointSummaries(CamelContext context) throws Exception {
        context.addStartupListener(new StartupListener() {
            @Override
            public void onCamelContextStarted(CamelContext started, boolean alreadyStarted) {
            }

            @Override
            public void onCamelContextFullyStarted(CamelContext started, boolean alreadyStarted) throws Exception {
                String summaries = MainHttpServerUtil.class.getName() + "$";
                for (EventNotifier notifier : List.copyOf(started.getManagementStrategy().getEventNotifiers())) {
                    if (notifier.getClass().getName().startsWith(summaries)) {
                        started.getManagementStrategy().removeEventNotifier(notifier);
                    }
                }
            }
        });
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
