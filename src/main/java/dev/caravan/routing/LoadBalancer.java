package dev.caravan.routing;

import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import java.util.concurrent.ThreadLocalRandom;
import java.util.function.LongSupplier;
import java.util.function.Predicate;
import java.util.random.RandomGenerator;

/**
 * Spreads requests over a model's deployments by weight. A deployment is passed over while its provider's circuit
 * breaker is open, or for {@code cooldownMs} after one of its attempts failed; passed-over deployments still come
 * last in the order, as a last resort before the fallback chain goes on. State is per gateway instance.
 */
public final class LoadBalancer {

    private final Map<Target, Long> coolingUntil = new ConcurrentHashMap<>();
    /** Targets seen as one of several deployments (from the catalog, so bounded); only these cool down. */
    private final Set<Target> balanced = ConcurrentHashMap.newKeySet();
    private final LongSupplier clock;

    public LoadBalancer() {
        this(System::currentTimeMillis);
    }

    public LoadBalancer(LongSupplier clock) {
        this.clock = clock;
    }

    /**
     * The group's targets in the order to try them: healthy ones drawn by weight without replacement (the first is
     * chosen with probability weight / total weight), then the others in catalog order.
     */
    public List<Target> order(List<WeightedTarget> group, Predicate<Target> breakerOpen) {
        return order(group, breakerOpen, ThreadLocalRandom.current());
    }

    public List<Target> order(List<WeightedTarget> group, Predicate<Target> breakerOpen, RandomGenerator random) {
        if (group.size() == 1) {
            return List.of(group.get(0).target());
        }
        long now = clock.getAsLong();
        List<WeightedTarget> healthy = new ArrayList<>();
        List<Target> passedOver = new ArrayList<>();
        for (WeightedTarget candidate : group) {
            balanced.add(candidate.target());
            Long until = coolingUntil.get(candidate.target());
            if ((until != null && until > now) || breakerOpen.test(candidate.target())) {
                passedOver.add(candidate.target());
            } else {
                if (until != null) {
                    coolingUntil.remove(candidate.target(), until);
                }
                healthy.add(candidate);
            }
        }
        List<Target> ordered = new ArrayList<>(group.size());
        while (!healthy.isEmpty()) {
            long total = 0;
            for (WeightedTarget candidate : healthy) {
                total += candidate.weight();
            }
            long pick = random.nextLong(total);
            int chosen = 0;
            for (long sum = healthy.get(0).weight(); sum <= pick; sum += healthy.get(chosen).weight()) {
                chosen++;
            }
            ordered.add(healthy.remove(chosen).target());
        }
        ordered.addAll(passedOver);
        return ordered;
    }

    /** An attempt on {@code target} failed: pass it over for {@code cooldownMs} (0: never). */
    public void failed(Target target, long cooldownMs) {
        if (cooldownMs > 0 && balanced.contains(target)) {
            coolingUntil.put(target, clock.getAsLong() + cooldownMs);
        }
    }

    /** {@code target} answered: it is healthy again. */
    public void succeeded(Target target) {
        coolingUntil.remove(target);
    }

    /** Whether {@code target} is being passed over after a failure. */
    public boolean coolingDown(Target target) {
        Long until = coolingUntil.get(target);
        return until != null && until > clock.getAsLong();
    }
}
