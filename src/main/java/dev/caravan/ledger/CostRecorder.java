package dev.caravan.ledger;

import dev.caravan.core.Usage;
import dev.caravan.routing.CallContext;
import org.apache.camel.Exchange;

import java.time.Instant;

/** The cost route's step: turns a finished request's {@link CallContext} into its {@link CostRecord}. */
public final class CostRecorder {

    private final Ledger ledger;

    public CostRecorder(Ledger ledger) {
        this.ledger = ledger;
    }

    public void record(Exchange exchange) {
        CallContext call = exchange.getProperty(CallContext.PROPERTY, CallContext.class);
        if (call == null) {
            return;
        }
        ledger.record(recordOf(call));
    }

    static CostRecord recordOf(CallContext call) {
        Usage usage = call.usage() == null ? Usage.NONE : call.usage();
        String outcome = call.outcome() == null ? "error" : call.outcome();
        return new CostRecord(call.recordId(), Instant.ofEpochMilli(call.startEpochMillis()), call.provider(),
                call.request() == null ? null : call.request().model(), call.servedModel(), usage.promptTokens(),
                usage.completionTokens(), usage.cacheReadTokens(), usage.cacheWriteTokens(), call.cost(),
                call.userId(), call.application(), call.keyId(), CostRecord.Status.fromWire(outcome),
                call.latencyMillis(), call.firstTokenMillis(), call.attempts(), call.usageReported());
    }
}
