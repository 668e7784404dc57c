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
import java.util.ArrayList;
import java.util.Arrays;
import java.util.HashMap;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;

/**
 * Live reload of the YAML route files ({@code camel.main.routes-include-pattern}): called every few seconds, it reads
 * each file and, when its content changed, swaps that file's routes for the new ones ({@link RouteSwap}); files that
 * changed together are swapped together when they fit only together (a route moved from one to another). Files are
 * compared by content, not by modification time or file events, so that a Kubernetes ConfigMap update (a symlink
 * swap) is seen too. A file read empty is judged at the next check (an editor saving in place truncates it first, and
 * a check may fall in between). A file that is rejected is logged once; the routes before it keep serving, and its
 * content is not tried again until it changes, unless a change to another file may lift the refusal
 * ({@link #reloadIfChanged}).
 */
public final class RouteFileReloader {

    private static final Logger LOG = LoggerFactory.getLogger(RouteFileReloader.class);

    private final CamelContext context;
    private final RetiredRoutes retired;
    private final RouteSwap swap;
    private final Map<String, byte[]> applied;
    /** The files whose content was refused, and why; logged again only for a new content or reason. */
    private final Map<String, Refusal> refused = new HashMap<>();
    /** The files read empty at the last check: caught between an in-place save's truncation and its write. */
    private final Set<String> emptyLastTime = new HashSet<>();

    private record Refusal(byte[] content, String reason, boolean liftedByOtherFiles) {
    }

    public RouteFileReloader(CamelContext context, RouteSwapHold hold) {
        this.context = context;
        this.retired = new RetiredRoutes(context);
        this.swap = new RouteSwap(context, retired, hold);
        Map<String, byte[]> files = read();
        this.applied = files == null ? new HashMap<>() : files;
    }

    /**
     * Applies the route files that changed since the last call; stops the old routes no exchange uses any more. A file
     * refused as it is now is not tried again on its own account (each try of a file that fails only when started
     * would stop its old routes and start them again), but a refusal that another file's change may lift is tried
     * again with that change: a route moved from one file to another is refused in the file that gains it while the
     * other still has it, and the two files may land a check apart (git pull, rsync). Such refusals are found before
     * any route is touched.
     */
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
        refused.keySet().retainAll(now.keySet());
        emptyLastTime.retainAll(now.keySet());
        Map<String, byte[]> due = new LinkedHashMap<>();
        boolean edited = false;
        for (Map.Entry<String, byte[]> file : now.entrySet()) {
            String location = file.getKey();
            byte[] content = file.getValue();
            if (content.length > 0) {
                emptyLastTime.remove(location);
            } else if (emptyLastTime.add(location)) {
                LOG.info("Routes file {} read empty (being saved?); judged at the next check", location);
                continue;
            }
            Refusal refusal = refused.get(location);
            if (Arrays.equals(content, applied.get(location))) {
                refused.remove(location);
            } else if (refusal == null || !Arrays.equals(content, refusal.content())) {
                due.put(location, content);
                edited = true;
            } else if (refusal.liftedByOtherFiles()) {
                due.put(location, content);
            }
        }
        if (edited && (due.size() == 1 || !reloadTogether(due))) {
            reloadOneByOne(due);
        }
    }

    /** All at once, for a route that moves between them; false (and nothing changed) if they do not fit together. */
    private boolean reloadTogether(Map<String, byte[]> files) {
        try {
            apply(files);
            return true;
        } catch (Rejection e) {
            LOG.debug("Routes files {} do not fit together ({}); trying them one by one", files.keySet(),
                    e.getMessage());
            return false;
        }
    }

    /**
     * Each file on its own, in turn, until none more fits: one refused until another file changes may fit once another
     * is applied; one refused for its own content is not tried twice.
     */
    private void reloadOneByOne(Map<String, byte[]> files) {
        Map<String, byte[]> left = new LinkedHashMap<>(files);
        boolean progress = true;
        while (progress && !left.isEmpty()) {
            progress = left.entrySet().removeIf(file -> reload(file.getKey(), file.getValue()));
            left.keySet().removeIf(location -> !refused.get(location).liftedByOtherFiles());
        }
    }

    private boolean reload(String location, byte[] content) {
        try {
            apply(Map.of(location, content));
            return true;
        } catch (Rejection e) {
            Refusal before = refused.put(location, new Refusal(content, e.getMessage(), e.liftedByOtherFiles()));
            if (before != null && Arrays.equals(before.content(), content) && before.reason().equals(e.getMessage())) {
                LOG.debug("Routes file {} still rejected: {}", location, e.getMessage());
            } else {
                LOG.error("Routes file {} rejected, the previous routes keep serving: {}", location, e.getMessage());
            }
            LOG.debug("Routes file {} rejected", location, e);
            return false;
        }
    }

    private void apply(Map<String, byte[]> files) throws Rejection {
        long start = System.nanoTime();
        List<Resource> resources = new ArrayList<>();
        files.forEach((location, content) -> resources.add(ResourceHelper.fromBytes(location, content)));
        Map<String, RouteSwap.Swapped> swapped = swap.apply(resources);
        long millis = (System.nanoTime() - start) / 1_000_000;
        swapped.forEach((location, routes) -> {
            applied.put(location, files.get(location));
            refused.remove(location);
            LOG.info("Routes file {} reloaded in {} ms: routes {} now serving ({} replaced)", location, millis,
                    routes.ids(), routes.replaced());
        });
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
                LOG.warn("Routes files {} could not be read: {}", pattern.trim(), Rejection.reason(e));
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
