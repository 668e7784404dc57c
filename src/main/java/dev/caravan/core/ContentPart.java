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

    public ContentPart withCache(CacheBreakpoint breakpoint) {
        return new ContentPart(type, text, imageUrl, breakpoint);
    }
}
