package dev.caravan.providers;

import dev.caravan.ledger.Ledger;
import dev.caravan.routing.ProviderAccounts;
import org.apache.camel.CamelContext;
import org.apache.camel.main.BaseMainSupport;
import org.apache.camel.main.MainListenerSupport;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.util.Map;

/**
 * Makes one route per named provider account that has a key, from the YAML route template {@code provider-account}
 * (routes/providers/accounts.yaml), once the routes are loaded and before the context starts. The account's
 * timeouts are its provider's ({@code caravan.<provider>.*}, with the same defaults as the provider routes), and so
 * are its breaker's settings ({@link dev.caravan.routing.Breakers}, breaker {@code account-<name>}); the URL is the
 * account's own. Its calls are sent from the event loop by an {@link EventLoopHttpCall} bound as
 * {@code account-<name>-send}, which reads the account provider's wire format ({@link AccountCalls#codec}).
 */
public final class AccountRoutes extends MainListenerSupport {

    private static final Logger LOG = LoggerFactory.getLogger(AccountRoutes.class);
    static final String TEMPLATE = "provider-account";

    @Override
    public void afterConfigure(BaseMainSupport main) {
        CamelContext context = main.getCamelContext();
        ProviderAccounts accounts = context.getRegistry().lookupByNameAndType("providerAccounts",
                ProviderAccounts.class);
        AccountCalls calls = context.getRegistry().lookupByNameAndType("accountCalls", AccountCalls.class);
        if (accounts == null || calls == null) {
            return;
        }
        for (ProviderAccounts.Account account : accounts.all()) {
            if (!account.offered()) {
                LOG.info("Provider account {}: not offered until it has a key (caravan.accounts.{}.api-key)", account,
                        account.name());
                continue;
            }
            try {
                String p = "caravan." + account.provider() + ".";
                context.getRegistry().bind(sender(account), new EventLoopHttpCall(account.baseUrl(),
                        Integer.parseInt(setting(context, p + "connect-timeout-ms", "5000")),
                        Long.parseLong(setting(context, p + "idle-timeout-ms", "60000")),
                        Long.parseLong(setting(context, p + "call-timeout-ms", "600000")),
                        // As for the default accounts: after a good answer only the budget's settle could block.
                        Ledger.budgetsInMemory(context), calls.codec(account.name())));
                context.addRouteFromTemplate("account-" + account.name(), TEMPLATE, "account-" + account.name() + "-",
                        Map.of("account", account.name()));
            } catch (Exception e) {
                throw new IllegalStateException("cannot make the route of provider account " + account.name(), e);
            }
            LOG.info("Provider account {} ready: route account-{}", account, account.name());
        }
    }

    /** The registry name of the account's sender of single answers (the template's {@code account-<name>-send}). */
    static String sender(ProviderAccounts.Account account) {
        return "account-" + account.name() + "-send";
    }

    private static String setting(CamelContext context, String key, String fallback) {
        String value = context.getPropertiesComponent().resolveProperty(key).orElse("").trim();
        return value.isEmpty() ? fallback : value;
    }
}
