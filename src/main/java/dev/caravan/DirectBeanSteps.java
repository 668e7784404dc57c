package dev.caravan;

import org.apache.camel.BeanScope;
import org.apache.camel.CamelContext;
import org.apache.camel.Exchange;
import org.apache.camel.Processor;
import org.apache.camel.spi.BeanProcessorFactory;
import org.apache.camel.support.PluginHelper;

import java.lang.invoke.MethodHandle;
import java.lang.invoke.MethodHandles;
import java.lang.invoke.MethodType;
import java.lang.reflect.Method;
import java.lang.reflect.Modifier;
import java.util.Arrays;
import java.util.List;
import java.util.regex.Matcher;
import java.util.regex.Pattern;

/**
 * Makes the routes' {@code bean: {ref, method}} steps plain method calls. Camel binds a bean method's parameters
 * anew on every call (method lookup, parameter expressions, reflection); a Caravan step method takes the
 * exchange (and at most one quoted constant, {@code begin(*, 'openai')}) and returns nothing, so it is bound once
 * here, when the route is built. Any other bean step goes to Camel's own factory unchanged.
 */
final class DirectBeanSteps implements BeanProcessorFactory {

    private static final Pattern EXCHANGE_AND_CONSTANT = Pattern.compile("(\\w+)\\(\\s*\\*\\s*,\\s*'([^']*)'\\s*\\)");
    private static final Pattern NAME = Pattern.compile("\\w+");

    private final BeanProcessorFactory camel;

    DirectBeanSteps(BeanProcessorFactory camel) {
        this.camel = camel;
    }

    /** Puts this factory in front of the context's own, for the routes built after it. */
    static void install(CamelContext context) {
        BeanProcessorFactory camel = PluginHelper.getBeanProcessorFactory(context);
        if (!(camel instanceof DirectBeanSteps)) {
            context.getCamelContextExtension().addContextPlugin(BeanProcessorFactory.class, new DirectBeanSteps(camel));
        }
    }

    @Override
    public Processor createBeanProcessor(CamelContext context, Object bean, Method method) throws Exception {
        return camel.createBeanProcessor(context, bean, method);
    }

    @Override
    public Processor createBeanProcessor(CamelContext context, Object bean, String beanType, Class<?> beanClass,
                                         String ref, String method, BeanScope scope) throws Exception {
        Object target = bean == null && beanType == null && beanClass == null && ref != null && method != null
                && (scope == null || scope == BeanScope.Singleton) ? context.getRegistry().lookupByName(ref) : null;
        Processor direct = target == null ? null : direct(target, ref, method.trim());
        return direct != null ? direct : camel.createBeanProcessor(context, bean, beanType, beanClass, ref, method, scope);
    }

    private static Processor direct(Object target, String ref, String spec) {
        Matcher withConstant = EXCHANGE_AND_CONSTANT.matcher(spec);
        boolean hasConstant = withConstant.matches();
        if (!hasConstant && !NAME.matcher(spec).matches()) {
            return null;
        }
        String name = hasConstant ? withConstant.group(1) : spec;
        List<Method> candidates = Arrays.stream(target.getClass().getMethods())
                .filter(m -> m.getName().equals(name)).toList();
        if (candidates.size() != 1) {
            return null;
        }
        Method method = candidates.get(0);
        List<Class<?>> expected = hasConstant ? List.of(Exchange.class, String.class) : List.of(Exchange.class);
        if (method.getReturnType() != void.class || Modifier.isStatic(method.getModifiers())
                || !Modifier.isPublic(method.getDeclaringClass().getModifiers())
                || !Arrays.asList(method.getParameterTypes()).equals(expected)) {
            return null;
        }
        MethodHandle handle;
        try {
            handle = MethodHandles.publicLookup().unreflect(method).bindTo(target);
        } catch (IllegalAccessException e) {
            return null; // not reachable from here: Camel's binding can still call it
        }
        if (hasConstant) {
            handle = MethodHandles.insertArguments(handle, 1, withConstant.group(2));
        }
        return new Step(handle.asType(MethodType.methodType(void.class, Exchange.class)), ref + "." + spec);
    }

    /** One bound step; its name is the route's {@code ref.method}, as Camel's bean processor would show it. */
    private record Step(MethodHandle call, String name) implements Processor {
        @Override
        public void process(Exchange exchange) throws Exception {
            try {
                call.invokeExact(exchange);
            } catch (Exception | Error e) {
                throw e;
            } catch (Throwable e) {
                throw new IllegalStateException(e);
            }
        }

        @Override
        public String toString() {
            return "bean[" + name + "]";
        }
    }
}
