package dev.caravan.ledger;

import dev.caravan.core.GatewayException;

/**
 * A call under a budget whose model has no price in the catalog: its cost could be neither held nor counted, so it
 * would pass every budget. The API answers 403 {@code model_not_priced} before any provider is called.
 */
public class ModelNotPricedException extends GatewayException {

    public ModelNotPricedException(String model) {
        super(403, "permission_error", "model_not_priced", "model",
                "Budgets apply to this request, but model '" + model + "' has no price in the catalog, so its cost "
                        + "cannot be held against them; use a priced model or add its price to the catalog", false, 0);
    }
}
