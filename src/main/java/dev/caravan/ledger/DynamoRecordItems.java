package dev.caravan.ledger;

import software.amazon.awssdk.services.dynamodb.model.AttributeValue;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.HashMap;
import java.util.Map;

/** A cost record as a DynamoDB item of the {@code ai-costs} table, and back. Absent ids are left out (sparse indexes). */
final class DynamoRecordItems {

    private DynamoRecordItems() {
    }

    static Map<String, AttributeValue> toItem(CostRecord r) {
        Map<String, AttributeValue> item = new HashMap<>();
        item.put("requestId", s(r.requestId()));
        item.put("ts", n(r.timestamp().toEpochMilli()));
        item.put("timestamp", s(r.timestamp().toString()));
        putIfPresent(item, "provider", r.provider());
        putIfPresent(item, "requestedModel", r.requestedModel());
        putIfPresent(item, "servedModel", r.servedModel());
        item.put("promptTokens", n(r.promptTokens()));
        item.put("completionTokens", n(r.completionTokens()));
        item.put("cachedTokens", n(r.cachedTokens()));
        item.put("cacheWriteTokens", n(r.cacheWriteTokens()));
        item.put("cost", n(r.cost()));
        putIfPresent(item, "userId", r.userId());
        putIfPresent(item, "application", r.application());
        putIfPresent(item, "keyId", r.keyId());
        item.put("status", s(r.status().wireName()));
        item.put("latencyMillis", n(r.latencyMillis()));
        if (r.timeToFirstTokenMillis() != null) {
            item.put("timeToFirstTokenMillis", n(r.timeToFirstTokenMillis()));
        }
        item.put("attempts", n(r.attempts()));
        item.put("usageReported", AttributeValue.fromBool(r.usageReported()));
        return item;
    }

    static CostRecord fromItem(Map<String, AttributeValue> item) {
        AttributeValue ttft = item.get("timeToFirstTokenMillis");
        return new CostRecord(str(item, "requestId"), Instant.parse(str(item, "timestamp")), str(item, "provider"),
                str(item, "requestedModel"), str(item, "servedModel"), num(item, "promptTokens").longValueExact(),
                num(item, "completionTokens").longValueExact(), num(item, "cachedTokens").longValueExact(),
                num(item, "cacheWriteTokens").longValueExact(), num(item, "cost"), str(item, "userId"),
                str(item, "application"), str(item, "keyId"), CostRecord.Status.fromWire(str(item, "status")),
                num(item, "latencyMillis").longValueExact(), ttft == null ? null : Long.valueOf(ttft.n()),
                num(item, "attempts").intValueExact(), item.get("usageReported").bool());
    }

    static AttributeValue s(String value) {
        return AttributeValue.fromS(value);
    }

    static AttributeValue n(long value) {
        return AttributeValue.fromN(Long.toString(value));
    }

    static AttributeValue n(BigDecimal value) {
        return AttributeValue.fromN(value.toPlainString());
    }

    static BigDecimal num(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null || value.n() == null ? BigDecimal.ZERO : new BigDecimal(value.n()).stripTrailingZeros();
    }

    private static String str(Map<String, AttributeValue> item, String name) {
        AttributeValue value = item.get(name);
        return value == null ? null : value.s();
    }

    private static void putIfPresent(Map<String, AttributeValue> item, String name, String value) {
        if (value != null && !value.isEmpty()) {
            item.put(name, s(value));
        }
    }
}
