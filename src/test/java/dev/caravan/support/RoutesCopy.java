package dev.caravan.support;

import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.stream.Stream;

/** A copy of routes/ for a gateway whose route files a test edits while it serves. */
public final class RoutesCopy {

    private RoutesCopy() {
    }

    /** Copies routes/ to {@code dir}/routes; answers that folder. */
    public static Path in(Path dir) throws IOException {
        Path routes = dir.resolve("routes");
        Files.createDirectories(routes.resolve("providers"));
        try (Stream<Path> files = Files.walk(Path.of("routes"))) {
            for (Path file : files.filter(Files::isRegularFile).toList()) {
                Files.copy(file, routes.resolve(Path.of("routes").relativize(file)));
            }
        }
        return routes;
    }

    /** camel.main.routes-include-pattern for the copy. */
    public static String includePattern(Path routes) {
        return "file:" + routes + "/*.yaml,file:" + routes + "/providers/*.yaml";
    }
}
