package dev.caravan.core;

/** How the model may use tools: auto, none, required, or one named function. */
public record ToolChoice(String mode, String functionName) {

    public static final ToolChoice AUTO = new ToolChoice("auto", null);
    public static final ToolChoice NONE = new ToolChoice("none", null);
    public static final ToolChoice REQUIRED = new ToolChoice("required", null);

    public static ToolChoice function(String name) {
        return new ToolChoice("function", name);
    }

    /** Whether this choice makes the model call a tool: "required", or a named function. */
    public boolean forcesACall() {
        return "required".equals(mode) || "function".equals(mode);
    }
}
