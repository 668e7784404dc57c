package dev.caravan.ledger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;

/**
 * Reserves a request's worst-case cost on every budget that applies to it before the call, and settles to the
 * real cost after. The arithmetic happens in the store: DynamoDB's conditional updates, shared by every gateway
 * instance, or the embedded store's counters, kept in the memory of the one process that owns the H2 file.
 * <p>
 * The cost records are the source of truth: a budget's counter starts from what its scope's records count in the
 * period (a budget added mid-period), and is caught up with them the first time this process uses it and after every
 * change of the limits (a budget removed and added again in one period counts what was spent while it was away).
 */
public final class BudgetLedger {

    private volatile BudgetConfig config;
    private final BudgetStore store;
    private final Clock clock;
    /** Per period key, the scopes whose counters were caught up with the cost records since the limits were set. */
    private volatile Map<String, Set<String>> caughtUp = new ConcurrentHashMap<>();

    public BudgetLedger(BudgetConfig config, BudgetStore store, Clock clock) {
        this.config = config;
        this.store = store;
        this.clock = clock;
    }

    /**
     * New limits for the requests that reserve from now on; reservations already held settle as they were made. Each
     * budget's counter is caught up with the cost records again at its next use.
     */
    public void replace(BudgetConfig limits) {
        caughtUp = new ConcurrentHashMap<>(); // before the limits: a request seeing them also sees this
        this.config = limits;
    }

    /**
     * Holds {@code worstCase} USD on the global budget and on the application's, user's and key's (each may be null).
     *
     * @throws BudgetExceededException when one of them has no room; nothing is held then
     */
    public BudgetReservation reserve(String requestId, String application, String userId, String keyId,
                                     BigDecimal worstCase) {
        return reserve(requestId, application, userId, keyId, Map.of(), worstCase);
    }

    /**
     * As above, with the key's own limits (set on the key itself) taking the place of budgets.yaml's for that key.
     */
    public BudgetReservation reserve(String requestId, String application, String userId, String keyId,
                                     Map<Period, BigDecimal> keyLimits, BigDecimal worstCase) {
        if (worstCase.signum() < 0) {
            throw new IllegalArgumentException("a reservation cannot be negative: " + worstCase);
        }
        Instant now = clock.instant();
        BudgetConfig limits = config;
        BudgetReservation.Payer payer = new BudgetReservation.Payer(application, userId, keyId, keyLimits, now, limits);
        List<BudgetWindow> windows = windows(limits, payer);
        if (!windows.isEmpty()) {
            for (BudgetWindow window : windows) {
                if (worstCase.compareTo(window.limit()) > 0) {
                    // It never fits this one, whatever the others have left: say so (no Retry-After), hold nothing.
                    throw new BudgetExceededException(window, worstCase, now);
                }
            }
            catchUp(windows);
            BudgetReservation reservation = new BudgetReservation(requestId, windows, worstCase, payer);
            Optional<BudgetWindow> full;
            try {
                full = store.reserve(requestId, windows, worstCase);
            } catch (RuntimeException e) {
                throw new HoldFailed(reservation, e);
            }
            full.ifPresent(window -> {
                throw new BudgetExceededException(window, worstCase, now);
            });
            return reservation;
        }
        return new BudgetReservation(requestId, windows, worstCase, payer);
    }

    /**
     * The store failed while holding a reservation: some of its holds may have landed (a write whose answer was lost)
     * and not been given back, so it is to be released, which is a no-op where nothing is held.
     */
    static final class HoldFailed extends RuntimeException {

        private final transient BudgetReservation reservation;

        HoldFailed(BudgetReservation reservation, RuntimeException cause) {
            super(cause.toString(), cause);
            this.reservation = reservation;
        }

        BudgetReservation reservation() {
            return reservation;
        }
    }

    /** Whether any budget (global, the application's, user's or key's, or the key's own limits) applies to a caller. */
    public boolean applies(String application, String userId, String keyId, Map<Period, BigDecimal> keyLimits) {
        BudgetConfig limits = config;
        return !windows(limits, new BudgetReservation.Payer(application, userId, keyId, keyLimits, clock.instant(),
                limits)).isEmpty();
    }

    /** The budgets of {@code limits} that apply to the payer, in the periods of its time. */
    private static List<BudgetWindow> windows(BudgetConfig limits, BudgetReservation.Payer payer) {
        List<BudgetWindow> windows = new ArrayList<>();
        Instant at = payer.at();
        addWindows(windows, limits, Scope.GLOBAL, at);
        addWindows(windows, limits, scope(Scope.APPLICATION, payer.application()), at);
        addWindows(windows, limits, scope(Scope.USER, payer.userId()), at);
        String keyScope = scope(Scope.KEY, payer.keyId());
        if (keyScope != null && !payer.keyLimits().isEmpty()) {
            Map<Period, BigDecimal> keyLimits = new java.util.EnumMap<>(Period.class);
            keyLimits.putAll(limits.limitsOf(keyScope));
            keyLimits.putAll(payer.keyLimits());
            keyLimits.forEach((period, limit) -> windows.add(BudgetWindow.at(keyScope, period, limit, at)));
        } else {
            addWindows(windows, limits, keyScope, at);
        }
        return windows;
    }

    /**
     * Releases the reservation and counts the real cost on the same budgets (those of the reservation's periods), and
     * on the budgets added since it was made, which held nothing of it. The call's cost record must reach the cost
     * records only after this has succeeded (the routes record after settling; the ledger keeps the record of a
     * settlement waiting for a retry in its spool): a budget caught up with the records meanwhile would count the call
     * a second time.
     *
     * @throws IllegalArgumentException for a negative cost; nothing is settled then
     */
    public void settle(BudgetReservation reservation, BigDecimal actualCost) {
        if (actualCost == null || actualCost.signum() < 0) {
            throw new IllegalArgumentException("a settled cost cannot be negative: " + actualCost);
        }
        if (!reservation.isEmpty()) {
            catchUp(reservation.windows()); // the limits may have changed since it was held
            store.settle(reservation.requestId(), reservation.windows(), reservation.amount(), actualCost);
        }
        List<BudgetWindow> added = addedSince(reservation);
        if (added.isEmpty()) {
            return;
        }
        // Its cost record is not in the records yet, so the counters caught up with them lack it.
        catchUp(added);
        store.countUnheld(reservation.requestId(), added, actualCost);
    }

    /** The budgets that apply to the reservation's payer now and held nothing of it: added while its call ran. */
    private List<BudgetWindow> addedSince(BudgetReservation reservation) {
        BudgetConfig limits = config;
        if (reservation.payer().limits() == limits) {
            return List.of();
        }
        List<BudgetWindow> added = windows(limits, reservation.payer());
        added.removeIf(window -> reservation.windows().stream().anyMatch(held ->
                held.scope().equals(window.scope()) && held.period() == window.period()));
        return added;
    }

    /** Gives the reservation back: the call never happened or cost nothing. */
    public void release(BudgetReservation reservation) {
        if (!reservation.isEmpty()) {
            store.release(reservation.requestId(), reservation.windows(), reservation.amount());
        }
    }

    /** Every budget named in the configuration (not the {@code "*"} defaults), for the periods running now. */
    public List<BudgetStatus> budgets() {
        Instant now = clock.instant();
        List<BudgetStatus> statuses = new ArrayList<>();
        for (String scope : config.scopes()) {
            if (Scope.idOf(scope).equals(BudgetConfig.EVERY)) {
                continue;
            }
            statuses.addAll(statusOf(scope, now));
        }
        return statuses;
    }

    /** The budgets that apply to one scope ({@code user:alice}), defaults included. */
    public List<BudgetStatus> budgetsOf(String scope) {
        return statusOf(scope, clock.instant());
    }

    private List<BudgetStatus> statusOf(String scope, Instant now) {
        List<BudgetStatus> statuses = new ArrayList<>();
        for (Map.Entry<Period, BigDecimal> limit : config.limitsOf(scope).entrySet()) {
            BudgetWindow window = BudgetWindow.at(scope, limit.getKey(), limit.getValue(), now);
            catchUp(List.of(window));
            BudgetState state = store.state(scope, window.periodKey());
            statuses.add(new BudgetStatus(scope, limit.getKey().adjective(), window.periodKey(), window.limit(),
                    state.spent(), state.reserved(), window.resetsAt()));
        }
        return statuses;
    }

    /**
     * A key's own limits changed (the admin API): its budgets are caught up with the cost records again at their next
     * use, as every budget is after an edit of the budgets file, so that limits removed and given back in one period
     * count what the key spent meanwhile.
     */
    public void keyLimitsChanged(String keyId) {
        String keyScope = scope(Scope.KEY, keyId);
        if (keyScope != null) {
            caughtUp.values().forEach(scopes -> scopes.remove(keyScope));
        }
    }

    /** Catches up with the cost records each window not caught up since the limits were set (most were). */
    private void catchUp(List<BudgetWindow> windows) {
        Map<String, Set<String>> done = caughtUp;
        for (BudgetWindow window : windows) {
            Set<String> scopes = done.get(window.periodKey());
            if (scopes != null && scopes.contains(window.scope())) {
                continue;
            }
            if (store.catchUp(window)) {
                if (scopes == null) {
                    done.keySet().removeIf(older -> !isCurrent(older));
                    scopes = done.computeIfAbsent(window.periodKey(), period -> ConcurrentHashMap.newKeySet());
                }
                scopes.add(window.scope());
            }
        }
    }

    /** Whether a period key is today's or this month's (earlier ones are forgotten when a new one begins). */
    private boolean isCurrent(String periodKey) {
        Instant now = clock.instant();
        return periodKey.equals(Period.DAY.key(now)) || periodKey.equals(Period.MONTH.key(now));
    }

    private static void addWindows(List<BudgetWindow> windows, BudgetConfig limits, String scope, Instant at) {
        if (scope == null) {
            return;
        }
        limits.limitsOf(scope).forEach((period, limit) -> windows.add(BudgetWindow.at(scope, period, limit, at)));
    }

    private static String scope(String kind, String id) {
        return id == null || id.isBlank() ? null : Scope.of(kind, id);
    }
}
