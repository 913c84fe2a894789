package org.rehabfhir.app.e2e;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ArrayNode;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.io.File;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.concurrent.CompletableFuture;
import java.util.stream.Stream;
import org.rehabfhir.app.ClinicianApplication;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.KeycloakSettings;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.devservices.TokenClient;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.builder.SpringApplicationBuilder;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * The whole system for the end-to-end tests, once per test JVM: a real PostgreSQL (embedded), a real Keycloak
 * (Maven Central distribution) with the repository's realm, the FHIR server as its executable jar from the reactor
 * (a separate process with demo data and care-team narrowing on), and this app in-process on a free port.
 *
 * <p>The realm is imported from a copy in {@code target/e2e-realm} whose only change is the clinician app's exact
 * redirect and post-logout URIs on the test's port instead of 4200 (so the local system's port stays free).
 */
public final class E2eStack {

    private static final Logger log = LoggerFactory.getLogger(E2eStack.class);
    private static final Duration FHIR_STARTUP = Duration.ofSeconds(300);
    private static E2eStack shared;
    /** Entries per access-log page in the test app, small so that the walk pages. */
    static final int ACCESS_LOG_PAGE_SIZE = 5;

    private final String appUrl;
    private final String fhirBaseUrl;
    private final KeycloakServer keycloak;
    private final Process fhirServer;
    private final ConfigurableApplicationContext app;
    private final LocalPostgres postgres;
    private final Duration startup;

    private E2eStack(
            String appUrl,
            String fhirBaseUrl,
            KeycloakServer keycloak,
            Process fhirServer,
            ConfigurableApplicationContext app,
            LocalPostgres postgres,
            Duration startup) {
        this.appUrl = appUrl;
        this.fhirBaseUrl = fhirBaseUrl;
        this.keycloak = keycloak;
        this.fhirServer = fhirServer;
        this.app = app;
        this.postgres = postgres;
        this.startup = startup;
    }

    public static synchronized E2eStack shared() {
        if (shared == null) {
            try {
                shared = start();
            } catch (IOException e) {
                throw new UncheckedIOException(e);
            } catch (Exception e) {
                throw new IllegalStateException("Cannot start the end-to-end system: " + e.getMessage(), e);
            }
            Runtime.getRuntime().addShutdownHook(new Thread(shared::stop, "e2e-stack-stop"));
        }
        return shared;
    }

    public String appUrl() {
        return appUrl;
    }

    public String fhirBaseUrl() {
        return fhirBaseUrl;
    }

    public KeycloakServer keycloak() {
        return keycloak;
    }

    public Duration startup() {
        return startup;
    }

    private static E2eStack start() throws Exception {
        long begin = System.nanoTime();
        Path target = Path.of("target").toAbsolutePath();
        int appPort = freePort();
        int fhirPort = freePort();
        int keycloakPort = freePort();
        int postgresPort = freePort();
        String appUrl = "http://localhost:" + appPort;

        Path realmDir = target.resolve("e2e-realm");
        writeRealm(KeycloakSettings.repositoryRoot().resolve("auth/realm/rehab-realm.json"), realmDir, appUrl);
        System.setProperty("keycloak.realm.dir", realmDir.toString());
        KeycloakSettings keycloakSettings =
                KeycloakSettings.fromSystemProperties().withPort(keycloakPort);
        CompletableFuture<KeycloakServer> keycloakStart =
                CompletableFuture.supplyAsync(() -> KeycloakServer.start(keycloakSettings));
        String issuer = "http://127.0.0.1:" + keycloakPort + "/realms/" + KeycloakSettings.REALM;

        Path pgData = target.resolve("e2e-pgdata");
        deleteRecursively(pgData);
        // throw-away data, deleted above: commits need not survive a crash (the log says so)
        LocalPostgres postgres = LocalPostgres.start(pgData, postgresPort, LocalPostgres.Durability.FAST_UNSAFE);
        String jdbcUrl = postgres.ensureDatabase("rehab", "rehab", "rehab-e2e-DEV-ONLY");

        Path jar = fhirServerJar();
        List<String> command = new ArrayList<>(List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                // Spring Boot's PropertiesLauncher: the production jar plus the demo data jar (loader.path), as a demo
                // installation would add it
                "-Dloader.path=" + demoDataJar(),
                "-cp",
                jar.toString(),
                "org.springframework.boot.loader.launch.PropertiesLauncher",
                "--server.port=" + fhirPort,
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=rehab",
                "--spring.datasource.password=rehab-e2e-DEV-ONLY",
                "--rehab.security.issuer-uri=" + issuer,
                "--rehab.security.introspection.client-secret=" + TokenClient.FHIR_SERVER_SECRET,
                "--rehab.demo-data.enabled=true",
                "--rehab.security.care-team-narrowing=true"));
        Path fhirLog = target.resolve("e2e-fhir-server.log");
        log.info("Starting the FHIR server {} on port {} (log {})", jar.getFileName(), fhirPort, fhirLog);
        Process fhir = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(fhirLog.toFile())
                .start();
        Runtime.getRuntime().addShutdownHook(new Thread(() -> stopProcess(fhir), "e2e-fhir-stop"));

        KeycloakServer keycloak = keycloakStart.join();
        waitForReady("http://localhost:" + fhirPort + "/actuator/health/readiness", fhir, fhirLog);
        String fhirBase = "http://localhost:" + fhirPort + "/fhir";

        // command-line arguments: they rank above application.yaml
        ConfigurableApplicationContext app = new SpringApplicationBuilder(ClinicianApplication.class)
                .run(
                        "--server.port=" + appPort,
                        "--rehab.app.fhir-base-url=" + fhirBase,
                        "--rehab.app.page-size=" + ACCESS_LOG_PAGE_SIZE,
                        "--spring.security.oauth2.client.provider.keycloak.issuer-uri=" + keycloak.issuerUri(),
                        "--spring.security.oauth2.client.registration.keycloak.client-secret="
                                + TokenClient.CLINICIAN_APP_SECRET);
        Duration took = Duration.ofNanos(System.nanoTime() - begin);
        log.info(
                "End-to-end system up in {} s: app {}, FHIR {}, Keycloak {}",
                took.toSeconds(),
                appUrl,
                fhirBase,
                keycloak.baseUrl());
        return new E2eStack(appUrl, fhirBase, keycloak, fhir, app, postgres, took);
    }

    /** The realm with the clinician app's redirect and post-logout URIs on {@code appUrl}. */
    static void writeRealm(Path source, Path targetDir, String appUrl) throws IOException {
        ObjectMapper json = new ObjectMapper();
        JsonNode realm = json.readTree(source.toFile());
        boolean found = false;
        for (JsonNode client : realm.path("clients")) {
            if (TokenClient.CLINICIAN_APP.equals(client.path("clientId").asText())) {
                ArrayNode redirects = ((ObjectNode) client).putArray("redirectUris");
                redirects.add(appUrl + "/login/oauth2/code/keycloak");
                ((ObjectNode) client.path("attributes")).put("post.logout.redirect.uris", appUrl + "/signed-out");
                found = true;
            }
        }
        if (!found) {
            throw new IllegalStateException("No client " + TokenClient.CLINICIAN_APP + " in " + source);
        }
        deleteRecursively(targetDir);
        Files.createDirectories(targetDir);
        json.writeValue(targetDir.resolve("rehab-realm.json").toFile(), realm);
    }

    /** The FHIR server's exec jar: from the test class path (the reactor's artifact), else the sibling module. */
    static Path fhirServerJar() {
        Path onClassPath = onClassPath("fhir-server-", "-exec.jar");
        if (onClassPath != null) {
            return onClassPath;
        }
        try (Stream<Path> files = Files.list(KeycloakSettings.repositoryRoot().resolve("fhir-server/target"))) {
            return files.filter(p -> p.getFileName().toString().endsWith("-exec.jar"))
                    .findFirst()
                    .orElseThrow(() ->
                            new IllegalStateException("No fhir-server exec jar: build the reactor (./mvnw verify)"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** The demo data jar (or, in an IDE, its classes folder) from the test class path. */
    static Path demoDataJar() {
        Path jar = onClassPath("demo-data-", ".jar");
        if (jar != null) {
            return jar;
        }
        Path classes = KeycloakSettings.repositoryRoot().resolve("deploy/demo-data/target/classes");
        if (Files.isDirectory(classes)) {
            return classes;
        }
        throw new IllegalStateException("No demo-data jar: build the reactor (./mvnw verify)");
    }

    private static Path onClassPath(String prefix, String suffix) {
        for (String entry : System.getProperty("java.class.path").split(File.pathSeparator)) {
            String name = Path.of(entry).getFileName().toString();
            if (name.startsWith(prefix) && name.endsWith(suffix)) {
                return Path.of(entry);
            }
        }
        return null;
    }

    private static void waitForReady(String url, Process process, Path logFile) throws InterruptedException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + FHIR_STARTUP.toNanos();
        while (System.nanoTime() < deadline) {
            if (!process.isAlive()) {
                throw new IllegalStateException(
                        "The FHIR server exited with " + process.exitValue() + "; see " + logFile);
            }
            try {
                HttpResponse<Void> r = http.send(
                        HttpRequest.newBuilder(URI.create(url))
                                .timeout(Duration.ofSeconds(5))
                                .build(),
                        HttpResponse.BodyHandlers.discarding());
                if (r.statusCode() == 200) {
                    return;
                }
            } catch (IOException notYet) {
                // starting
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException(
                "The FHIR server was not ready within " + FHIR_STARTUP.toSeconds() + " s; see " + logFile);
    }

    private void stop() {
        try {
            app.close();
        } catch (RuntimeException e) {
            log.warn("App did not stop cleanly: {}", e.getMessage());
        }
        stopProcess(fhirServer);
        keycloak.stop();
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    private static void stopProcess(Process process) {
        if (process.isAlive()) {
            process.destroy();
            try {
                if (!process.waitFor(20, java.util.concurrent.TimeUnit.SECONDS)) {
                    process.destroyForcibly();
                }
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                process.destroyForcibly();
            }
        }
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
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
}
