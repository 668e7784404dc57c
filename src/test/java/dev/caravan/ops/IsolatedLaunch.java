package dev.caravan.ops;

import java.io.File;
import java.lang.reflect.Method;
import java.net.URL;
import java.net.URLClassLoader;
import java.util.ArrayList;
import java.util.List;

/**
 * Runs a main class from a class loader of its own, as {@code mvn exec:java} runs the gateway inside Maven: the
 * system class loader then holds this class only. Uses nothing but the JDK. Arguments: the class path, the main class.
 */
public final class IsolatedLaunch {

    private IsolatedLaunch() {
    }

    public static void main(String[] args) throws Exception {
        List<URL> urls = new ArrayList<>();
        for (String entry : args[0].split(File.pathSeparator)) {
            urls.add(new File(entry).toURI().toURL());
        }
        ClassLoader isolated = new URLClassLoader(urls.toArray(URL[]::new), ClassLoader.getPlatformClassLoader());
        Thread.currentThread().setContextClassLoader(isolated);
        Method main = Class.forName(args[1], true, isolated).getMethod("main", String[].class);
        main.invoke(null, (Object) new String[0]);
    }
}
