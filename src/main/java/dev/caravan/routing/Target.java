package dev.caravan.routing;

/** One place a request can be served: a provider and the model id that provider knows. */
public record Target(String provider, String model) {

    @Override
    public String toString() {
        return provider + "/" + model;
    }
}
