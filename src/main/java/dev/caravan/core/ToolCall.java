package dev.caravan.core;

/** A function call the model asked for; {@code arguments} is the JSON text of the arguments. */
public record ToolCall(String id, String name, String arguments) {
}
