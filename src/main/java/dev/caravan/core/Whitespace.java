package dev.caravan.core;

/**
 * Whitespace as Anthropic's models count it (no-break spaces too), for the text Claude refuses: a text block or stop
 * sequence of whitespace alone, and a final assistant turn (a prefill) that ends in whitespace.
 */
public final class Whitespace {

    private Whitespace() {
    }

    public static boolean hasNonWhitespace(String text) {
        return text.codePoints().anyMatch(c -> !isWhitespace(c));
    }

    /** {@code text} without the whitespace it ends with. */
    public static String stripTrailing(String text) {
        int end = text.length();
        while (end > 0 && isWhitespace(text.codePointBefore(end))) {
            end -= Character.charCount(text.codePointBefore(end));
        }
        return text.substring(0, end);
    }

    private static boolean isWhitespace(int codePoint) {
        return Character.isWhitespace(codePoint) || Character.isSpaceChar(codePoint);
    }
}
