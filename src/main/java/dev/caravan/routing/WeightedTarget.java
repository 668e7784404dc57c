package dev.caravan.routing;

import java.util.List;
import java.util.function.Predicate;

/** A deployment of a model: the target that serves it and its share of the traffic (relative weight, at least 1). */
public record WeightedTarget(Target target, int weight) {

    /** Whether any target of {@code groups} (a request's candidates) is one {@code test} holds for. */
    static boolean anyIn(List<List<WeightedTarget>> groups, Predicate<Target> test) {
        return groups.stream().flatMap(List::stream).anyMatch(candidate -> test.test(candidate.target()));
    }
}
