package dev.caravan.core;

/** A piece of a message: text, or an image given by URL (http(s) or a data: URL). */
public record ContentPart(String type, String text, String imageUrl) {

    public static ContentPart text(String text) {
        return new ContentPart("text", text, null);
    }

    public static ContentPart image(String url) {
        return new ContentPart("image_url", null, url);
    }

    public boolean isText() {
        return "text".equals(type);
    }
}
