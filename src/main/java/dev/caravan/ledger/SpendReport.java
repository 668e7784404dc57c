package dev.caravan.ledger;

import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import dev.caravan.api.Json;
import dev.caravan.core.GatewayException;
import org.apache.camel.Exchange;
import org.apache.camel.Message;

import java.net.URLDecoder;
import java.nio.charset.StandardCharsets;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.time.format.DateTimeParseException;
import java.util.List;

/**
 * {@code GET /v1/spend?groupBy=day|model|provider|user|application|key&from=YYYY-MM-DD&to=YYYY-MM-DD[&scope=user:alice]}
 * and {@code GET /v1/budgets}: what was spent, and each budget's limit, spend and reset time.
 */
public final class SpendReport {

    private static final List<String> SCOPE_KINDS = List.of(Scope.APPLICATION, Scope.USER, Scope.KEY, Scope.MODEL,
            Scope.PROVIDER);

    private final Ledger ledger;

    public SpendReport(Ledger ledger) {
        this.ledger = ledger;
    }

    public void spend(Exchange exchange) {
        Message message = exchange.getMessage();
        SpendQuery.Grouping grouping;
        String groupBy = query(message, "groupBy");
        groupBy = groupBy == null ? "day" : groupBy;
        try {
            grouping = SpendQuery.Grouping.fromWire(groupBy);
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest("groupBy", "'groupBy' must be day, model, provider, user, "
                    + "application or key; got '" + groupBy + "'");
        }
        LocalDate today = LocalDate.now(ZoneOffset.UTC);
        LocalDate to = date(message, "to", today);
        LocalDate from = date(message, "from", to.minusDays(29));
        SpendQuery query;
        try {
            query = new SpendQuery(grouping, from, to, scope(message, grouping));
        } catch (IllegalArgumentException e) {
            throw GatewayException.invalidRequest("from", e.getMessage());
        }
        ObjectNode root = Json.MAPPER.createObjectNode().put("object", "spend").put("groupBy", grouping.name()
                .toLowerCase()).put("from", from.toString()).put("to", to.toString());
        ArrayNode data = root.putArray("data");
        for (SpendRow row : ledger.spend(query)) {
            data.addObject().put("group", row.group()).put("cost", row.cost()).put("requests", row.requests())
                    .put("promptTokens", row.promptTokens()).put("completionTokens", row.completionTokens())
                    .put("unreportedUsage", row.unreported());
        }
        answer(message, root);
    }

    public void budgets(Exchange exchange) {
        ObjectNode root = Json.MAPPER.createObjectNode().put("object", "list");
        ArrayNode data = root.putArray("data");
        for (BudgetStatus status : ledger.budgets()) {
            data.addObject().put("scope", status.scope()).put("period", status.period())
                    .put("periodKey", status.periodKey()).put("limit", status.limit()).put("spent", status.spent())
                    .put("reserved", status.reserved()).put("remaining", status.remaining())
                    .put("resetsAt", status.resetsAt().toString());
        }
        answer(exchange.getMessage(), root);
    }

    /**
     * The scope whose daily spend is asked for: {@code global}, or a kind and an id ({@code user:alice}). Spend is
     * counted per scope and day, so a scope cannot narrow another grouping: that would answer everyone's spend.
     */
    private static String scope(Message message, SpendQuery.Grouping grouping) {
        String scope = query(message, "scope");
        if (scope == null || scope.isBlank()) {
            return null;
        }
        if (grouping != SpendQuery.Grouping.DAY) {
            throw GatewayException.invalidRequest("scope", "'scope' applies to groupBy=day only (one scope's spend "
                    + "per day); got groupBy=" + grouping.name().toLowerCase());
        }
        String kind = Scope.kindOf(scope);
        boolean named = scope.contains(":") && !Scope.idOf(scope).isBlank();
        if (!(scope.equals(Scope.GLOBAL) || named && SCOPE_KINDS.contains(kind))) {
            throw GatewayException.invalidRequest("scope", "'scope' must be global or one of " + SCOPE_KINDS
                    + " followed by ':' and an id, e.g. user:alice; got '" + scope + "'");
        }
        return scope;
    }

    private static LocalDate date(Message message, String name, LocalDate otherwise) {
        String value = query(message, name);
        if (value == null || value.isBlank()) {
            return otherwise;
        }
        try {
            return LocalDate.parse(value);
        } catch (DateTimeParseException e) {
            throw GatewayException.invalidRequest(name, "'" + name + "' must be a date like 2026-11-25; got '"
                    + value + "'");
        }
    }

    /**
     * A parameter of the query string (the first, if repeated). Not a message header: Camel merges HTTP headers
     * into those, and a request's {@code From} header (RFC 9110) is no spend range.
     */
    private static String query(Message message, String name) {
        String raw = message.getHeader(Exchange.HTTP_RAW_QUERY, String.class);
        if (raw == null || raw.isEmpty()) {
            return null;
        }
        for (String pair : raw.split("&")) {
            int equals = pair.indexOf('=');
            String key = URLDecoder.decode(equals < 0 ? pair : pair.substring(0, equals), StandardCharsets.UTF_8);
            if (key.equals(name)) {
                return equals < 0 ? "" : URLDecoder.decode(pair.substring(equals + 1), StandardCharsets.UTF_8);
            }
        }
        return null;
    }

    private static void answer(Message message, ObjectNode root) {
        message.removeHeaders("*");
        message.setHeader(Exchange.HTTP_RESPONSE_CODE, 200);
        message.setHeader(Exchange.CONTENT_TYPE, "application/json");
        message.setBody(Json.responseBody(root));
    }
}
