package org.rehabfhir.devservices;

import java.io.IOException;
import java.io.InputStream;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.channels.FileChannel;
import java.nio.channels.FileLock;
import java.nio.charset.StandardCharsets;
import java.nio.file.DirectoryStream;
import java.nio.file.Files;
import java.nio.file.Path;
import java.nio.file.StandardCopyOption;
import java.nio.file.StandardOpenOption;
import java.nio.file.attribute.PosixFilePermissions;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Enumeration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.TimeUnit;
import java.util.stream.Stream;
import java.util.zip.ZipEntry;
import java.util.zip.ZipFile;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Development and test only: a real Keycloak server, started from the distribution zip on Maven Central
 * ({@code org.keycloak:keycloak-quarkus-dist}), without Docker.
 *
 * <p>The zip is unpacked once into a stable folder ({@link KeycloakSettings#home()}) and reused, so later starts
 * skip the unpacking and reuse Keycloak's optimised build. Each start runs {@code kc.sh start-dev} on loopback with
 * an in-memory database ({@code --db=dev-mem}), so the realm files of {@link KeycloakSettings#realmDirectory()}
 * ({@code auth/realm/*.json}) are imported fresh every time: the realm in the repo is exactly the realm that runs.
 *
 * <p>Use {@link #shared()} in tests: one Keycloak per JVM, stopped by a shutdown hook. Use
 * {@link #start(KeycloakSettings)} for a server whose life you manage (close it).
 */
public final class KeycloakServer implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(KeycloakServer.class);
    private static final String DIST_ROOT = "keycloak-" + KeycloakSettings.VERSION + "/";
    private static final String UNPACKED_MARKER = ".unpacked-" + KeycloakSettings.VERSION;
    private static final int LOG_TAIL_LINES = 60;

    /** Development only: the master realm's admin (admin console at {@link #baseUrl()}/admin). */
    public static final String DEV_ADMIN_USER = "admin";

    public static final String DEV_ADMIN_PASSWORD = "admin-DEV-ONLY-password";

    private static KeycloakServer shared;

    private final String baseUrl;
    private final Process process;
    private final Path logFile;
    private final Duration startupTime;
    private final Thread shutdownHook;
    private final TokenClient tokens;

    private KeycloakServer(String baseUrl, Process process, Path logFile, Duration startupTime) {
        this.baseUrl = stripTrailingSlash(baseUrl);
        this.process = process;
        this.logFile = logFile;
        this.startupTime = startupTime;
        this.tokens = new TokenClient(this);
        if (process != null) {
            this.shutdownHook = new Thread(this::stopQuietly, "keycloak-shutdown");
            Runtime.getRuntime().addShutdownHook(shutdownHook);
        } else {
            this.shutdownHook = null;
        }
    }

    /**
     * The JVM-wide Keycloak: started on the first call with {@link KeycloakSettings#fromSystemProperties()}, the
     * same instance afterwards, stopped when the JVM exits. A test run starts exactly one Keycloak this way. With
     * {@code -Dkeycloak.url=...} nothing is started and that server is used.
     */
    public static synchronized KeycloakServer shared() {
        if (shared == null || !shared.isRunning()) {
            shared = start(KeycloakSettings.fromSystemProperties());
        }
        return shared;
    }

    /** Starts a Keycloak (or attaches to {@code settings.externalUrl()}) and waits until the realm answers. */
    public static KeycloakServer start(KeycloakSettings settings) {
        if (settings.externalUrl() != null) {
            waitForRealm(settings.externalUrl(), null, null, settings.startupTimeout());
            log.info("Using the running Keycloak at {}", settings.externalUrl());
            return new KeycloakServer(settings.externalUrl(), null, null, Duration.ZERO);
        }
        try {
            return launch(settings);
        } catch (IOException e) {
            throw new UncheckedIOException("Cannot start Keycloak: " + e.getMessage(), e);
        }
    }

    private static KeycloakServer launch(KeycloakSettings settings) throws IOException {
        long begin = System.nanoTime();
        Path home = settings.home();
        Files.createDirectories(home.getParent());
        int port = settings.port() == 0 ? freePort() : settings.port();
        int managementPort = freePort();
        String baseUrl = "http://127.0.0.1:" + port;
        Path logDir = home.getParent().resolve("logs");
        Files.createDirectories(logDir);
        Path logFile = logDir.resolve("keycloak-" + port + ".log");

        // Two JVMs (a test run and the local runner) may share the folder: serialise unpacking and the start-up build.
        try (FileChannel lockChannel = FileChannel.open(
                        home.getParent().resolve(".keycloak-" + KeycloakSettings.VERSION + ".lock"),
                        StandardOpenOption.CREATE,
                        StandardOpenOption.WRITE);
                FileLock ignored = lockChannel.lock()) {
            unpackOnce(settings.distributionZip(), home);
            copyRealms(settings.realmDirectory(), home.resolve("data").resolve("import"));

            List<String> command = List.of(
                    home.resolve("bin").resolve("kc.sh").toString(),
                    "start-dev",
                    "--import-realm",
                    "--db=dev-mem",
                    "--cache=local",
                    "--http-host=127.0.0.1",
                    "--http-port=" + port,
                    "--hostname=" + baseUrl,
                    "--health-enabled=true",
                    "--http-management-port=" + managementPort,
                    "--log-level=info");
            ProcessBuilder builder = new ProcessBuilder(command)
                    .directory(home.toFile())
                    .redirectErrorStream(true)
                    .redirectOutput(logFile.toFile());
            Map<String, String> env = builder.environment();
            env.put("JAVA_HOME", settings.javaHome().toString());
            env.remove("JAVA");
            env.remove("JAVA_OPTS");
            // Faster start and less CPU for a short-lived development server: C1 only.
            env.put("JAVA_OPTS_APPEND", "-XX:TieredStopAtLevel=1");
            env.put("KC_BOOTSTRAP_ADMIN_USERNAME", DEV_ADMIN_USER);
            env.put("KC_BOOTSTRAP_ADMIN_PASSWORD", DEV_ADMIN_PASSWORD);
            log.info("Starting Keycloak {} on {} (home {}, log {})", KeycloakSettings.VERSION, baseUrl, home, logFile);
            Process process = builder.start();
            try {
                waitForRealm(baseUrl, process, logFile, settings.startupTimeout());
            } catch (RuntimeException e) {
                destroyTree(process);
                throw e;
            }
            Duration took = Duration.ofNanos(System.nanoTime() - begin);
            log.info(
                    "Keycloak {} ready at {} in {} ms (pid {})",
                    KeycloakSettings.VERSION,
                    baseUrl,
                    took.toMillis(),
                    process.pid());
            return new KeycloakServer(baseUrl, process, logFile, took);
        }
    }

    // ---------------------------------------------------------------------------------------------------- endpoints

    /** {@code http://127.0.0.1:<port>} */
    public String baseUrl() {
        return baseUrl;
    }

    /** The issuer of the {@code rehab} realm, the value of {@code iss} in its tokens. */
    public String issuerUri() {
        return issuerUri(KeycloakSettings.REALM);
    }

    public String issuerUri(String realm) {
        return baseUrl + "/realms/" + realm;
    }

    public String tokenEndpoint() {
        return tokenEndpoint(KeycloakSettings.REALM);
    }

    public String tokenEndpoint(String realm) {
        return issuerUri(realm) + "/protocol/openid-connect/token";
    }

    public String authorizationEndpoint() {
        return issuerUri() + "/protocol/openid-connect/auth";
    }

    public String jwksUri() {
        return issuerUri() + "/protocol/openid-connect/certs";
    }

    /** Obtains tokens from this server (client credentials, private_key_jwt, password grant of the test client). */
    public TokenClient tokens() {
        return tokens;
    }

    /** How long the start took (unpacking and build included); zero for an external server. */
    public Duration startupTime() {
        return startupTime;
    }

    /** The server's console output, or {@code null} for an external server. */
    public Path logFile() {
        return logFile;
    }

    /** The process id of {@code kc.sh}, or -1 for an external server. */
    public long pid() {
        return process == null ? -1 : process.pid();
    }

    public boolean isRunning() {
        return process == null || process.isAlive();
    }

    // ---------------------------------------------------------------------------------------------------- stopping

    /** Stops the server and every process it started. Idempotent; does nothing for an external server. */
    public synchronized void stop() {
        if (process == null) {
            return;
        }
        if (process.isAlive()) {
            log.info("Stopping Keycloak at {} (pid {})", baseUrl, process.pid());
            destroyTree(process);
        }
        if (shutdownHook != null && Thread.currentThread() != shutdownHook) {
            try {
                Runtime.getRuntime().removeShutdownHook(shutdownHook);
            } catch (IllegalStateException alreadyShuttingDown) {
                // the hook is running or about to run: nothing to remove
            }
        }
    }

    @Override
    public void close() {
        stop();
    }

    private void stopQuietly() {
        try {
            if (process != null && process.isAlive()) {
                destroyTree(process);
            }
        } catch (RuntimeException e) {
            log.warn("Could not stop Keycloak cleanly", e);
        }
    }

    private static void destroyTree(Process process) {
        List<ProcessHandle> tree = new ArrayList<>();
        process.toHandle().descendants().forEach(tree::add);
        tree.add(process.toHandle());
        // The JVM first (graceful), then the script that waits for it.
        tree.forEach(ProcessHandle::destroy);
        for (ProcessHandle handle : tree) {
            try {
                handle.onExit().get(20, TimeUnit.SECONDS);
            } catch (Exception notYet) {
                if (notYet instanceof InterruptedException) {
                    Thread.currentThread().interrupt();
                }
                handle.destroyForcibly();
            }
        }
    }

    // ------------------------------------------------------------------------------------------------- the details

    private static void waitForRealm(String baseUrl, Process process, Path logFile, Duration timeout) {
        URI discovery = URI.create(stripTrailingSlash(baseUrl) + "/realms/" + KeycloakSettings.REALM
                + "/.well-known/openid-configuration");
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + timeout.toNanos();
        String lastProblem = "no answer yet";
        while (System.nanoTime() < deadline) {
            if (process != null && !process.isAlive()) {
                throw new IllegalStateException("Keycloak exited with code " + process.exitValue()
                        + " before it was ready. Last lines of " + logFile + ":\n" + tail(logFile));
            }
            try {
                HttpResponse<Void> response = http.send(
                        HttpRequest.newBuilder(discovery)
                                .timeout(Duration.ofSeconds(5))
                                .GET()
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (response.statusCode() == 200) {
                    return;
                }
                lastProblem = "HTTP " + response.statusCode();
            } catch (IOException e) {
                lastProblem = e.toString();
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
            }
            sleep(250);
        }
        throw new IllegalStateException("Keycloak did not serve " + discovery + " within " + timeout.toSeconds()
                + " s (last: " + lastProblem + ")"
                + (logFile == null ? "" : ". Last lines of " + logFile + ":\n" + tail(logFile)));
    }

    static void unpackOnce(Path zip, Path home) throws IOException {
        if (Files.exists(home.resolve(UNPACKED_MARKER))) {
            return;
        }
        if (!Files.isRegularFile(zip)) {
            throw new IllegalStateException("Keycloak distribution not found at " + zip + ". Run "
                    + "'./mvnw -pl deploy/dev-services dependency:resolve' (it declares "
                    + "org.keycloak:keycloak-quarkus-dist:" + KeycloakSettings.VERSION
                    + ":zip) or set -Dkeycloak.dist.zip");
        }
        long begin = System.nanoTime();
        Path staging = home.resolveSibling(home.getFileName() + ".unpacking");
        deleteRecursively(staging);
        deleteRecursively(home);
        Files.createDirectories(staging);
        try (ZipFile zipFile = new ZipFile(zip.toFile())) {
            Enumeration<? extends ZipEntry> entries = zipFile.entries();
            while (entries.hasMoreElements()) {
                ZipEntry entry = entries.nextElement();
                String name = entry.getName();
                if (!name.startsWith(DIST_ROOT) || name.length() == DIST_ROOT.length()) {
                    continue;
                }
                Path target =
                        staging.resolve(name.substring(DIST_ROOT.length())).normalize();
                if (!target.startsWith(staging)) {
                    throw new IOException("Refusing zip entry outside the target folder: " + name);
                }
                if (entry.isDirectory()) {
                    Files.createDirectories(target);
                    continue;
                }
                Files.createDirectories(target.getParent());
                try (InputStream in = zipFile.getInputStream(entry)) {
                    Files.copy(in, target, StandardCopyOption.REPLACE_EXISTING);
                }
                if (name.endsWith(".sh")) {
                    Files.setPosixFilePermissions(target, PosixFilePermissions.fromString("rwxr-xr-x"));
                }
            }
        }
        Files.writeString(staging.resolve(UNPACKED_MARKER), zip.toString() + "\n");
        Files.move(staging, home, StandardCopyOption.ATOMIC_MOVE);
        log.info(
                "Unpacked {} into {} in {} ms",
                zip.getFileName(),
                home,
                Duration.ofNanos(System.nanoTime() - begin).toMillis());
    }

    private static void copyRealms(Path realmDirectory, Path importDirectory) throws IOException {
        if (!Files.isDirectory(realmDirectory)) {
            throw new IllegalStateException("Realm folder not found: " + realmDirectory);
        }
        Files.createDirectories(importDirectory);
        try (DirectoryStream<Path> old = Files.newDirectoryStream(importDirectory, "*.json")) {
            for (Path file : old) {
                Files.delete(file);
            }
        }
        int copied = 0;
        try (DirectoryStream<Path> realms = Files.newDirectoryStream(realmDirectory, "*.json")) {
            for (Path realm : realms) {
                Files.copy(realm, importDirectory.resolve(realm.getFileName()), StandardCopyOption.REPLACE_EXISTING);
                copied++;
            }
        }
        if (copied == 0) {
            throw new IllegalStateException("No realm file (*.json) in " + realmDirectory);
        }
    }

    static String tail(Path file) {
        if (file == null || !Files.exists(file)) {
            return "(no log)";
        }
        try {
            List<String> lines = Files.readAllLines(file, StandardCharsets.UTF_8);
            return String.join("\n", lines.subList(Math.max(0, lines.size() - LOG_TAIL_LINES), lines.size()));
        } catch (IOException | UncheckedIOException e) {
            return "(cannot read the log: " + e + ")";
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            socket.setReuseAddress(true);
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path path) throws IOException {
        if (!Files.exists(path)) {
            return;
        }
        try (Stream<Path> walk = Files.walk(path)) {
            for (Path p : walk.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }

    private static void sleep(long millis) {
        try {
            Thread.sleep(millis);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted while waiting for Keycloak", e);
        }
    }

    private static String stripTrailingSlash(String url) {
        return url.endsWith("/") ? url.substring(0, url.length() - 1) : url;
    }

    /** Starts Keycloak and keeps it running until the process is stopped (Ctrl+C): {@code -Dkeycloak.port=8180}. */
    public static void main(String[] args) throws InterruptedException {
        KeycloakServer server = start(KeycloakSettings.fromSystemProperties());
        log.info(
                "Keycloak is running: issuer {}, admin console {}/admin (user {}). Ctrl+C stops it.",
                server.issuerUri(),
                server.baseUrl(),
                DEV_ADMIN_USER);
        if (server.process != null) {
            server.process.waitFor();
        }
    }
}
