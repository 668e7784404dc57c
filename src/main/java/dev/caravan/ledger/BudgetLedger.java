package dev.caravan.ledger;

import java.math.BigDecimal;
import java.time.Clock;
import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;

/**
 * Reserves a request's worst-case cost on every budget that applies to it before the call, and settles to the
 * real cost after. The arithmetic happens in the store: DynamoDB's conditional updates, shared by every gateway
 * instance, or the embedded store's counters, kept in the memory of the one process that owns the H2 file.
 */
public final class BudgetLedger {

    private volatile BudgetConfig config;
    private final BudgetStore store;
    private final Clock clock;

    public BudgetLedger(BudgetConfig config, BudgetStore store, Clock clock) {
        this.config = config;
        this.store = store;
        this.clock = clock;
    }

    /** New limits for the requests that reserve from now on; reservations already held settle as they were made. */
    public void replace(BudgetConfig limits) {
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
        List<BudgetWindow> windows = windows(application, userId, keyId, keyLimits, now);
        if (!windows.isEmpty()) {
            store.reserve(requestId, windows, worstCase).ifPresent(full -> {
                throw new BudgetExceededException(full, now);
            });
        }
        return new BudgetReservation(requestId, windows, worstCase);
    }

    /** Whether any budget (global, the application's, user's or key's, or the key's own limits) applies to a caller. */
    public boolean applies(String application, String userId, String keyId, Map<Period, BigDecimal> keyLimits) {
        return !windows(application, userId, keyId, keyLimits, clock.instant()).isEmpty();
    }

    private List<BudgetWindow> windows(String application, String userId, String keyId,
                                       Map<Period, BigDecimal> keyLimits, Instant now) {
        List<BudgetWindow> windows = new ArrayList<>();
        addWindows(windows, Scope.GLOBAL, now);
        addWindows(windows, scope(Scope.APPLICATION, application), now);
        addWindows(windows, scope(Scope.USER, userId), now);
        String keyScope = scope(Scope.KEY, keyId);
        if (keyScope != null && !keyLimits.isEmpty()) {
            Map<Period, BigDecimal> limits = new java.util.EnumMap<>(Period.class);
            limits.putAll(config.limitsOf(keyScope));
            limits.putAll(keyLimits);
            limits.forEach((period, limit) -> windows.add(BudgetWindow.at(keyScope, period, limit, now)));
        } else {
            addWindows(windows, keyScope, now);
        }
        return windows;
    }

    /** Releases the reservation and counts the real cost on the same budgets (those of the reservation's periods). */
    public void settle(BudgetReservation reservation, BigDecimal actualCost) {
        if (!reservation.isEmpty()) {
            store.settle(reservation.requestId(), reservation.windows(), reservation.amount(), actualCost);
        }
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
            BudgetState state = store.state(scope, window.periodKey());
            statuses.add(new BudgetStatus(scope, limit.getKey().adjective(), window.periodKey(), window.limit(),
                    state.spent(), state.reserved(), window.resetsAt()));
        }
        return statuses;
    }

    private void addWindows(List<BudgetWindow> windows, String scope, Instant now) {
        if (scope == null) {
            return;
        }
        config.limitsOf(scope).forEach((period, limit) -> windows.add(BudgetWindow.at(scope, period, limit, now)));
    }

    private static String scope(String kind, String id) {
        return id == null || id.isBlank() ? null : Scope.of(kind, id);
    }
}
