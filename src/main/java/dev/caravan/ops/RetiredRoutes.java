package dev.caravan.ops;

import org.apache.camel.CamelContext;
import org.apache.camel.Service;
import org.apache.camel.spi.InflightRepository;
import org.apache.camel.support.service.BaseService;
import org.apache.camel.support.service.ServiceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.lang.reflect.Field;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.Iterator;
import java.util.List;
import java.util.Set;

/**
 * The processors of replaced routes, kept running until no exchange that may still use them is in flight, then
 * stopped. Camel would stop them with the route, and a stopped processor fails the exchanges still inside it (a
 * stopped wireTap throws, so a stream that ends after the swap would lose its cost record).
 */
final class RetiredRoutes {

    private static final Logger LOG = LoggerFactory.getLogger(RetiredRoutes.class);

    /** A replaced route's processors and the exchanges that were in flight when it was replaced. */
    private static final class Retired {
        final String routeIds;
        final List<Service> processors;
        Set<String> waitingFor;
        boolean lastRound;

        Retired(String routeIds, List<Service> processors, Set<String> waitingFor) {
            this.routeIds = routeIds;
            this.processors = processors;
            this.waitingFor = waitingFor;
        }
    }

    private final CamelContext context;
    private final List<Retired> retired = new ArrayList<>();

    RetiredRoutes(CamelContext context) {
        this.context = context;
        // Which exchanges are in flight is what tells when the old processors are free.
        context.getInflightRepository().setInflightBrowseEnabled(true);
    }

    /** Keeps these processors of the replaced routes running until the exchanges in flight now are done. */
    synchronized void retire(String routeIds, List<Service> processors) {
        if (!processors.isEmpty()) {
            retired.add(new Retired(routeIds, processors, inflight()));
        }
    }

    /**
     * Stops the processors no exchange can reach any more. Once the exchanges in flight at the swap are done, one more
     * round waits for those in flight then: the wire taps those exchanges sent off as they ended.
     */
    synchronized void stopDrained() {
        if (retired.isEmpty()) {
            return;
        }
        Set<String> now = inflight();
        for (Iterator<Retired> it = retired.iterator(); it.hasNext(); ) {
            Retired r = it.next();
            r.waitingFor.retainAll(now);
            if (!r.waitingFor.isEmpty()) {
                continue;
            }
            if (!r.lastRound) {
                r.lastRound = true;
                r.waitingFor = new HashSet<>(now);
                continue;
            }
            if (!r.processors.isEmpty()) {
                setStatus(r.processors.get(0), STARTED);
            }
            ServiceHelper.stopAndShutdownServices(r.processors);
            LOG.debug("The previous version of routes {} is stopped: none of its exchanges is in flight", r.routeIds);
            it.remove();
        }
    }

    /**
     * Keeps a route's processor (the one its consumer feeds) running when the consumer stops: Camel's consumers stop
     * their processor with themselves, and Camel has no API to detach it. A service marked shut down ignores stop and
     * shutdown; {@link #stopDrained} marks it started again before stopping it. Answers false if Camel's service
     * class is not what this expects (the route is then not replaced).
     */
    static boolean keepRunning(Object processor) {
        return processor instanceof Service && setStatus(processor, SHUTDOWN);
    }

    private static final Field STATUS;
    private static final byte STARTED;
    private static final byte SHUTDOWN;

    static {
        Field status = null;
        byte started = -1;
        byte shutdown = -1;
        try {
            status = BaseService.class.getDeclaredField("status");
            status.setAccessible(true);
            Field s = BaseService.class.getDeclaredField("STARTED");
            s.setAccessible(true);
            started = s.getByte(null);
            Field d = BaseService.class.getDeclaredField("SHUTDOWN");
            d.setAccessible(true);
            shutdown = d.getByte(null);
        } catch (ReflectiveOperationException | RuntimeException e) {
            status = null;
        }
        STATUS = status;
        STARTED = started;
        SHUTDOWN = shutdown;
    }

    private static boolean setStatus(Object service, byte status) {
        if (STATUS == null || !(service instanceof BaseService)) {
            return false;
        }
        try {
            STATUS.setByte(service, status);
            return true;
        } catch (IllegalAccessException e) {
            return false;
        }
    }

    synchronized int size() {
        return retired.size();
    }

    private Set<String> inflight() {
        Set<String> ids = new HashSet<>();
        for (InflightRepository.InflightExchange e : context.getInflightRepository().browse()) {
            ids.add(e.getExchange().getExchangeId());
        }
        return ids;
    }
}
