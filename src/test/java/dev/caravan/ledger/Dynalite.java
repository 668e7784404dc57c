package dev.caravan.ledger;

import java.io.File;
import java.io.IOException;
import java.net.InetSocketAddress;
import java.net.ServerSocket;
import java.net.Socket;
import java.net.URI;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.List;
import java.util.concurrent.TimeUnit;

/**
 * A real dynalite (npm {@code dynalite}, pinned in package.json) on a free loopback port, its data in LevelDB under
 * a directory so that a stop and a start keep the tables, as a DynamoDB outage would.
 */
final class Dynalite implements AutoCloseable {

    private static final Path PROJECT = Path.of("").toAbsolutePath();
    private static final Path BIN = PROJECT.resolve("node_modules/.bin/dynalite");

    private final int port;
    private final Path dataDir;
    private final Path log;
    private Process process;

    private Dynalite(int port, Path dataDir) {
        this.port = port;
        this.dataDir = dataDir;
        this.log = dataDir.resolveSibling(dataDir.getFileName() + ".log");
    }

    static Dynalite start(Path dataDir) throws IOException, InterruptedException {
        installIfMissing();
        Dynalite dynalite = new Dynalite(freePort(), dataDir);
        dynalite.start();
        return dynalite;
    }

    /**
     * Starts one for gateways that find credentials on the AWS SDK's default chain, as in production: a test pair is
     * set in the system properties until {@link #closeWithCredentials}.
     */
    static Dynalite startWithCredentials(Path dataDir) throws IOException, InterruptedException {
        Dynalite dynalite = start(dataDir);
        System.setProperty("aws.accessKeyId", "test");
        System.setProperty("aws.secretAccessKey", "test");
        return dynalite;
    }

    /** Stops it and clears the credentials {@link #startWithCredentials} set. */
    void closeWithCredentials() throws InterruptedException {
        System.clearProperty("aws.accessKeyId");
        System.clearProperty("aws.secretAccessKey");
        close();
    }

    URI endpoint() {
        return URI.create("http://127.0.0.1:" + port);
    }

    synchronized void start() throws IOException, InterruptedException {
        if (process != null && process.isAlive()) {
            return;
        }
        process = new ProcessBuilder("node", BIN.toString(), "--host", "127.0.0.1", "--port", Integer.toString(port),
                "--path", dataDir.toString(), "--createTableMs", "0", "--deleteTableMs", "0", "--updateTableMs", "0")
                .directory(PROJECT.toFile())
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(log.toFile()))
                .start();
        long deadline = System.nanoTime() + TimeUnit.SECONDS.toNanos(20);
        while (!accepts()) {
            if (!process.isAlive() || System.nanoTime() > deadline) {
                throw new IllegalStateException("dynalite did not start; see " + log + ":\n" + Files.readString(log));
            }
            Thread.sleep(50);
        }
    }

    /** Kills the server as an outage would; its data directory stays. */
    synchronized void stop() throws InterruptedException {
        if (process != null) {
            process.destroy();
            if (!process.waitFor(5, TimeUnit.SECONDS)) {
                process.destroyForcibly().waitFor();
            }
        }
    }

    @Override
    public void close() throws InterruptedException {
        stop();
    }

    private boolean accepts() {
        try (Socket socket = new Socket()) {
            socket.connect(new InetSocketAddress("127.0.0.1", port), 200);
            return true;
        } catch (IOException e) {
            return false;
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, java.net.InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    /**
     * The CI script runs npm first; a developer's first run installs from package-lock.json here. npm's output goes
     * to {@code target/npm-install.log}, not to this JVM's: Maven's test runner reads that as its own channel, and
     * npm's lines there end the run with "corrupted stream" although every test passed.
     */
    private static synchronized void installIfMissing() throws IOException, InterruptedException {
        if (Files.exists(BIN)) {
            return;
        }
        Path log = PROJECT.resolve("target").resolve("npm-install.log");
        Files.createDirectories(log.getParent());
        Process npm = new ProcessBuilder(List.of("npm", Files.exists(PROJECT.resolve("package-lock.json")) ? "ci" : "install",
                "--no-audit", "--no-fund"))
                .directory(PROJECT.toFile()).redirectErrorStream(true).redirectOutput(log.toFile()).start();
        npm.getOutputStream().close(); // nothing to read from
        boolean ended = npm.waitFor(5, TimeUnit.MINUTES);
        if (!ended) {
            npm.destroyForcibly(); // not left running after the tests
        }
        if (!ended || npm.exitValue() != 0 || !Files.exists(BIN)) {
            throw new IllegalStateException("npm could not install dynalite in " + PROJECT + File.separator
                    + "node_modules; its output is in " + log);
        }
    }
}
