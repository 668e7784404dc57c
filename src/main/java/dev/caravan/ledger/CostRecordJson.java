package dev.caravan.ledger;

import com.fasterxml.jackson.core.JsonGenerator;
import com.fasterxml.jackson.databind.JsonNode;
import dev.caravan.api.Json;

import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.io.OutputStream;
import java.math.BigDecimal;
import java.nio.charset.StandardCharsets;
import java.time.Instant;

/**
 * A cost record as one line of JSON, the format of the spool and of the embedded store's journal. The journal adds
 * the id of the batch the record was written in ({@code batch}); the spool has none.
 */
final class CostRecordJson {

    private CostRecordJson() {
    }

    /** The record as a line of JSON without its line break. */
    static String line(CostRecord record) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream(512);
        write(out, record, null);
        String line = out.toString(StandardCharsets.UTF_8);
        return line.substring(0, line.length() - 1);
    }

    /** Writes the record as one line of JSON and its line break; {@code batch} may be null. */
    static void write(OutputStream out, CostRecord r, String batch) throws IOException {
        try (JsonGenerator json = Json.MAPPER.getFactory().createGenerator(out)) {
            json.disable(JsonGenerator.Feature.AUTO_CLOSE_TARGET);
            json.writeStartObject();
            if (batch != null) {
                json.writeStringField("batch", batch);
            }
            json.writeStringField("requestId", r.requestId());
            json.writeStringField("timestamp", r.timestamp().toString());
            json.writeStringField("provider", r.provider());
            json.writeStringField("requestedModel", r.requestedModel());
            json.writeStringField("servedModel", r.servedModel());
            json.writeNumberField("promptTokens", r.promptTokens());
            json.writeNumberField("completionTokens", r.completionTokens());
            json.writeNumberField("cachedTokens", r.cachedTokens());
            json.writeNumberField("cacheWriteTokens", r.cacheWriteTokens());
            json.writeStringField("cost", r.cost().toPlainString());
            json.writeStringField("userId", r.userId());
            json.writeStringField("application", r.application());
            json.writeStringField("keyId", r.keyId());
            json.writeStringField("status", r.status().wireName());
            json.writeNumberField("latencyMillis", r.latencyMillis());
            if (r.timeToFirstTokenMillis() == null) {
                json.writeNullField("timeToFirstTokenMillis");
            } else {
                json.writeNumberField("timeToFirstTokenMillis", r.timeToFirstTokenMillis());
            }
            json.writeNumberField("attempts", r.attempts());
            json.writeBooleanField("usageReported", r.usageReported());
            json.writeEndObject();
        }
        out.write('\n');
    }

    /** Reads a line; throws on anything that is not a whole record (e.g. a line torn by a crash). */
    static JsonNode parse(String line) throws IOException {
        JsonNode node = Json.MAPPER.readTree(line);
        if (node == null || !node.isObject()) {
            throw new IOException("not a cost record");
        }
        return node;
    }

    /** The batch a journal line was written in, or null (a spooled record). */
    static String batchOf(JsonNode node) {
        return node.path("batch").textValue();
    }

    static CostRecord record(JsonNode m) {
        JsonNode ttft = m.path("timeToFirstTokenMillis");
        return new CostRecord(m.path("requestId").textValue(), Instant.parse(m.path("timestamp").textValue()),
                m.path("provider").textValue(), m.path("requestedModel").textValue(),
                m.path("servedModel").textValue(), m.path("promptTokens").longValue(),
                m.path("completionTokens").longValue(), m.path("cachedTokens").longValue(),
                m.path("cacheWriteTokens").longValue(), new BigDecimal(m.path("cost").textValue()).stripTrailingZeros(),
                m.path("userId").textValue(), m.path("application").textValue(), m.path("keyId").textValue(),
                CostRecord.Status.fromWire(m.path("status").textValue()), m.path("latencyMillis").longValue(),
                ttft.isNumber() ? ttft.longValue() : null, m.path("attempts").intValue(),
                m.path("usageReported").booleanValue());
    }

    static CostRecord record(String line) throws IOException {
        try {
            return record(parse(line));
        } catch (RuntimeException e) {
            throw new IOException("not a cost record: " + e.getMessage(), e);
        }
    }
}
