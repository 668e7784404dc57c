package dev.caravan.routing;

/** A deployment of a model: the target that serves it and its share of the traffic (relative weight, at least 1). */
public record WeightedTarget(Target target, int weight) {
}
