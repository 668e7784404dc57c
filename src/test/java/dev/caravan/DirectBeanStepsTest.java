package dev.caravan;

import org.apache.camel.BeanScope;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.impl.DefaultCamelContext;
import org.apache.camel.support.DefaultExchange;
import org.apache.camel.support.PluginHelper;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;

import static org.junit.jupiter.api.Assertions.assertEquals;
import static org.junit.jupiter.api.Assertions.assertFalse;
import static org.junit.jupiter.api.Assertions.assertSame;
import static org.junit.jupiter.api.Assertions.assertThrows;
import static org.junit.jupiter.api.Assertions.assertTrue;

class DirectBeanStepsTest {

    /** A bean with the shapes a route may name. */
    public static final class Steps {
        public void mark(Exchange exchange) {
            exchange.setProperty("marked", true);
        }

        public void begin(Exchange exchange, String api) {
            exchange.setProperty("api", api);
        }

        public void fail(Exchange exchange) {
            throw new IllegalArgumentException("refused");
        }

        public String answer(Exchange exchange) {
            return "from Camel's binding";
        }
    }

    private CamelContext context;

    @BeforeEach
    void start() {
        context = new DefaultCamelContext();
        context.getRegistry().bind("steps", new Steps());
        DirectBeanSteps.install(context);
        context.start();
    }

    @AfterEach
    void stop() {
        context.stop();
    }

    private Processor step(String method) throws Exception {
        return PluginHelper.getBeanProcessorFactory(context)
                .createBeanProcessor(context, null, null, null, "steps", method, BeanScope.Singleton);
    }

    @Test
    void aStepTakingTheExchangeIsCalledDirectly() throws Exception {
        Processor step = step("mark");
        assertTrue(step.toString().contains("steps.mark"));
        Exchange exchange = new DefaultExchange(context);
        step.process(exchange);
        assertEquals(true, exchange.getProperty("marked"));
    }

    @Test
    void aQuotedConstantAfterTheExchangeIsBoundOnce() throws Exception {
        Exchange exchange = new DefaultExchange(context);
        step("begin(*, 'openai')").process(exchange);
        assertEquals("openai", exchange.getProperty("api"));
    }

    @Test
    void theStepsOwnExceptionReachesTheRoute() throws Exception {
        Processor step = step("fail");
        assertThrows(IllegalArgumentException.class, () -> step.process(new DefaultExchange(context)));
    }

    @Test
    void methodsThatReturnSomethingKeepCamelsBinding() throws Exception {
        Processor step = step("answer");
        assertFalse(step.toString().contains("steps.answer"), step.toString());
    }

    @Test
    void installingTwiceKeepsOneFactory() {
        DirectBeanSteps.install(context);
        assertSame(DirectBeanSteps.class, PluginHelper.getBeanProcessorFactory(context).getClass());
    }
}
