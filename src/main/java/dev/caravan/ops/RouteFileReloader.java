package dev.caravan.ops;

import dev.caravan.api.RouteSwapHold;
import org.apache.camel.CamelContext;
import org.apache.camel.model.RouteDefinition;
import org.apache.camel.spi.Resource;
import org.apache.camel.support.PluginHelper;
import org.apache.camel.support.ResourceHelper;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

import java.io.InputStream;
import java.util.Arrays;
import java.util.HashMap;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Live reload of the YAML route files ({@code camel.main.routes-include-pattern}): called every few seconds, it reads
 * each file and, when its content changed, swaps that file's routes for the new ones ({@link RouteSwap}). Files are
 * compared by content, not by modification time or file events, so that a Kubernetes ConfigMap update (a symlink
 * swap) is seen too. A file that is rejected is logged once; the routes before it keep serving.
 */
public final class RouteFileReloader {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFileReloader.class);

    private final CamelContext context;
    private final RetiredRoutes retired;
    private final RouteSwap swap;
    private final Map<String, byte[]> applied;
    private final Map<String, byte[]> rejected = new HashMap<>();

    public RouteFileReloader(CamelContext context, RouteSwapHold hold) {
        this.context = context;
        this.retired = new RetiredRoutes(context);
        this.swap = new RouteSwap(context, retired, hold);
        Map<String, byte[]> files = read();
        this.applied = files == null ? new HashMap<>() : files;
    }

    /** Applies the route files that changed since the last call; stops the old routes no exchange uses any more. */
    public synchronized void reloadIfChanged() {
        retired.stopDrained();
        Map<String, byte[]> now = read();
        if (now == null) {
            return;
        }
        for (String location : new TreeSet<>(applied.keySet())) {
            if (!now.containsKey(location)) {
                // An editor saving by rename can make a file vanish for a moment: its routes stay.
                LOG.warn("Routes file {} is gone; its routes keep serving until the next restart", location);
                applied.remove(location);
            }
        }
        for (Map.Entry<String, byte[]> file : now.entrySet()) {
            String location = file.getKey();
            byte[] content = file.getValue();
            if (Arrays.equals(content, applied.get(location)) || Arrays.equals(content, rejected.get(location))) {
                continue;
            }
            reload(location, content);
        }
    }

    private void reload(String location, byte[] content) {
        long start = System.nanoTime();
        List<RouteDefinition> old = swap.routesOf(location);
        Resource resource = ResourceHelper.fromBytes(location, content);
        try {
            Set<String> ids = swap.apply(resource, old);
            applied.put(location, content);
            rejected.remove(location);
            LOG.info("Routes file {} reloaded in {} ms: routes {} now serving ({} replaced)", location,
                    (System.nanoTime() - start) / 1_000_000, ids, old.size());
        } catch (RouteSwap.Rejected e) {
            rejected.put(location, content);
            LOG.error("Routes file {} rejected, the previous routes keep serving: {}", location, e.getMessage());
            LOG.debug("Routes file {} rejected", location, e);
        }
    }

    /**
     * The content of every route file, by the location Camel loaded it from (e.g. file:routes/api.yaml); null when a
     * file could not be read, so that nothing is decided on a partial view.
     */
    private Map<String, byte[]> read() {
        Map<String, byte[]> files = new LinkedHashMap<>();
        String patterns = context.getPropertiesComponent().resolveProperty("camel.main.routes-include-pattern")
                .orElse("");
        for (String pattern : patterns.split(",")) {
            if (!pattern.trim().startsWith("file:")) {
                continue; // classpath routes cannot change while the gateway runs
            }
            try {
                for (Resource resource : PluginHelper.getPackageScanResourceResolver(context)
                        .findResources(pattern.trim())) {
                    try (InputStream in = resource.getInputStream()) {
                        files.put(resource.getLocation(), in.readAllBytes());
                    }
                }
            } catch (Exception e) {
                LOG.warn("Routes files {} could not be read: {}", pattern.trim(), RouteSwap.reason(e));
                return null;
            }
        }
        return files;
    }

    /** How many replaced route versions still wait for their in-flight exchanges (for tests and diagnostics). */
    int retiredVersions() {
        return retired.size();
    }
}
