package dev.caravan.pricing;

import dev.caravan.core.Usage;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;

import java.math.BigDecimal;

import static org.junit.jupiter.api.Assertions.assertEquals;

class PriceTest {

    private static final Price GPT_4O = price("2.50", "1.25", null, "10.00");
    private static final Price CLAUDE_HAIKU = price("0.25", "0.03", "0.30", "1.25");
    private static final Price GPT_4 = price("30.00", null, null, "60.00");
    private static final Price NOVA_MICRO = price("0.035", "0.00875", null, "0.14");

    @ParameterizedTest(name = "{0}")
    @CsvSource(delimiter = '|', value = {
            // what                                      | prompt | completion | cache read | cache write | cost in USD
            "uncached prompt and output                  | 1000   | 500        | 0          | 0           | 0.0075",
            "cache reads at the cached price              | 2006   | 300        | 1920       | 0           | 0.005615",
            "only output                                  | 0      | 1          | 0          | 0           | 0.00001",
            "nothing                                      | 0      | 0          | 0          | 0           | 0"})
    void costsOpenAiUsageExactly(String what, long prompt, long completion, long cacheRead, long cacheWrite,
                                 BigDecimal cost) {
        assertExactly(cost, GPT_4O.cost(new Usage(prompt, completion, cacheRead, cacheWrite, 0)));
    }

    @Test
    void costsCacheReadsAndCacheWritesEachAtTheirOwnPrice() {
        // 1000 uncached x 0.25 + 6000 read x 0.03 + 3000 written x 0.30 + 500 output x 1.25 = 1955 micro-dollars
        assertExactly(new BigDecimal("0.001955"), CLAUDE_HAIKU.cost(new Usage(10_000, 500, 6000, 3000, 0)));
    }

    @Test
    void cacheWritesOfAnHourCostTheirOwnPriceAndTheCacheWritePriceWhenTheModelHasNone() {
        Price sonnet = new Price(new BigDecimal("3.00"), new BigDecimal("0.30"), new BigDecimal("3.75"),
                new BigDecimal("6.00"), new BigDecimal("15.00"), null, null);
        // 1000 uncached x 3 + 2000 written for 5 minutes x 3.75 + 1000 written for an hour x 6 = 16500 micro-dollars
        assertExactly(new BigDecimal("0.0165"), sonnet.cost(new Usage(4000, 0, 0, 3000, 0, 1000)));
        // without a price of its own, an hour's write costs the cache write price: 1000 x 0.25 + 3000 x 0.30
        assertExactly(new BigDecimal("0.00115"), CLAUDE_HAIKU.cost(new Usage(4000, 0, 0, 3000, 0, 1000)));
    }

    @Test
    void cachedTokensCostTheInputPriceWhenTheModelHasNoCachePrice() {
        assertExactly(GPT_4.cost(Usage.of(10_000, 100)), GPT_4.cost(new Usage(10_000, 100, 4000, 2000, 0)));
        assertExactly(new BigDecimal("0.306"), GPT_4.cost(new Usage(10_000, 100, 4000, 2000, 0)));
    }

    @Test
    void reasoningTokensAreBilledAsTheOutputTheyArePartOf() {
        assertExactly(GPT_4O.cost(Usage.of(100, 300)), GPT_4O.cost(new Usage(100, 300, 0, 0, 192)));
    }

    @Test
    void moreCachedTokensThanPromptTokensNeverGivesANegativeUncachedCost() {
        assertExactly(new BigDecimal("0.00375"), GPT_4O.cost(new Usage(1000, 0, 3000, 0, 0)));
    }

    @Test
    void aSingleTokenAtAFractionalMicroDollarPriceIsNotRounded() {
        assertExactly(new BigDecimal("0.00000000875"), NOVA_MICRO.cost(new Usage(1, 0, 1, 0, 0)));
        assertExactly(new BigDecimal("0.000000035"), NOVA_MICRO.cost(Usage.of(1, 0)));
    }

    @Test
    void aMillionRequestsCostsSumExactly() {
        BigDecimal total = BigDecimal.ZERO;
        BigDecimal cachedTotal = BigDecimal.ZERO;
        for (int i = 0; i < 1_000_000; i++) {
            total = total.add(GPT_4O.cost(new Usage(7, 3, 0, 0, 0)));
            cachedTotal = cachedTotal.add(NOVA_MICRO.cost(new Usage(1, 0, 1, 0, 0)));
        }
        // 7 x 2.50 + 3 x 10.00 = 47.5 micro-dollars per request
        assertExactly(new BigDecimal("47.5"), total);
        assertExactly(new BigDecimal("0.00875"), cachedTotal);
    }

    @Test
    void aVeryLargeUsageIsStillExact() {
        assertExactly(new BigDecimal("112500000"), price("15.00", null, null, "75.00")
                .cost(Usage.of(5_000_000_000_000L, 500_000_000_000L)));
    }

    @Test
    void theFreePriceCostsNothing() {
        assertExactly(BigDecimal.ZERO, Price.FREE.cost(new Usage(1_000_000, 1_000_000, 500_000, 0, 0)));
    }

    private static void assertExactly(BigDecimal expected, BigDecimal actual) {
        assertEquals(0, expected.compareTo(actual), () -> "expected " + expected.toPlainString() + " but was "
                + actual.toPlainString());
    }

    private static Price price(String input, String cachedInput, String cacheWrite, String output) {
        return new Price(new BigDecimal(input), cachedInput == null ? null : new BigDecimal(cachedInput),
                cacheWrite == null ? null : new BigDecimal(cacheWrite), new BigDecimal(output), null);
    }
}
