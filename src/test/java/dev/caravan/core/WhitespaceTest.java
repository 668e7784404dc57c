package dev.caravan.core;

import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertTrue;

class WhitespaceTest {

    @Test
    void noBreakSpacesCountAsWhitespace() {
        assertFalse(Whitespace.hasNonWhitespace(" \n\t\u00a0\u202f"));
        assertTrue(Whitespace.hasNonWhitespace(" . "));
    }

    @Test
    void trailingWhitespaceIsStrippedAndNothingElse() {
        assertEquals("  The colour is", Whitespace.stripTrailing("  The colour is \n\t\u00a0"));
        assertEquals("", Whitespace.stripTrailing(" \u00a0"));
        assertEquals("a \uD83C\uDF0A", Whitespace.stripTrailing("a \uD83C\uDF0A "));
        assertEquals("same", Whitespace.stripTrailing("same"));
    }
}
