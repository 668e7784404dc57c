package dev.caravan.routes;

/** A tool loop's follow-up in OpenAI's shape: a call of get_weather, its result, then a new user turn. */
final class ToolLoop {

    private ToolLoop() {
    }

    /** The messages array, the call having id {@code callId}. */
    static String followUp(String callId) {
        return "["
                + "{\"role\":\"user\",\"content\":\"Weather in Paris?\"},"
                + "{\"role\":\"assistant\",\"content\":null,\"tool_calls\":[{\"id\":\"" + callId + "\","
                + "\"type\":\"function\",\"function\":{\"name\":\"get_weather\","
                + "\"arguments\":\"{\\\"city\\\":\\\"Paris\\\"}\"}}]},"
                + "{\"role\":\"tool\",\"tool_call_id\":\"" + callId + "\",\"content\":\"18C, sunny\"},"
                + "{\"role\":\"user\",\"content\":\"Now sum it up in words.\"}]";
    }
}
