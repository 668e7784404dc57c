package dev.caravan.routing;

/** A name {@code GET /v1/models} lists: one a caller may send as {@code model}, and the provider that serves it. */
public record ServableModel(String id, String provider) {
}
