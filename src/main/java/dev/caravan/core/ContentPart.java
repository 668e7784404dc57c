package dev.caravan.core;

/**
 * A piece of a message: text, or an image given by URL (http(s) or a data: URL). {@code cache}: the caller's prompt
 * caching breakpoint on it, or null.
 */
public record ContentPart(String type, String text, String imageUrl, CacheBreakpoint cache) {

    public ContentPart(String type, String text, String imageUrl) {
        this(type, text, imageUrl, null);
    }

    public static ContentPart text(String text) {
        return new ContentPart("text", text, null);
    }

    public static ContentPart image(String url) {
        return new ContentPart("image_url", null, url);
    }

    public boolean isText() {
        return "text".equals(type);
    }

    /**
     * Whether a provider that takes content blocks (Anthropic, Bedrock's Converse) is sent this part as a block: an
     * image, or text that is not whitespace alone (both refuse a blank text block, so it is left out), which is also
     * where the part's cache breakpoint can go.
     */
    public boolean isBlock() {
        return isText() ? text != null && Whitespace.hasNonWhitespace(text) : imageUrl != null;
    }

    /** Whether this is an image given inline, as a {@code data:} URL (its scheme in any case, as URL schemes are). */
    public boolean isInlineImage() {
        return !isText() && imageUrl != null && imageUrl.regionMatches(true, 0, "data:", 0, 5);
    }

    public ContentPart withCache(CacheBreakpoint breakpoint) {
        return new ContentPart(type, text, imageUrl, breakpoint);
    }
}
