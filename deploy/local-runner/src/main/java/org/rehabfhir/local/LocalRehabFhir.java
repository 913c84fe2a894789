package org.rehabfhir.local;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.concurrent.TimeUnit;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.KeycloakSettings;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.RehabFhirApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.boot.env.YamlPropertySourceLoader;
import org.springframework.context.ConfigurableApplicationContext;
import org.springframework.core.env.PropertySource;
import org.springframework.core.io.ClassPathResource;

/**
 * Development only: the whole system in one process tree. Starts PostgreSQL with its data under
 * {@code .local/pgdata} (kept across restarts), Keycloak on port 8180 with the realm from {@code auth/realm}
 * (re-imported at every start), then the FHIR server with demo data on port 8080 and the clinician web app on port
 * 4200.
 */
public final class LocalRehabFhir {

    private static final Logger log = LoggerFactory.getLogger(LocalRehabFhir.class);

    /** The Spring profile of local development: {@code application-local.yaml} of this module. */
    static final String PROFILE = "local";

    private static final String DB_NAME = "rehab";

    private LocalRehabFhir() {}

    private static void setIfAbsent(String key, String value) {
        if (System.getProperty(key) == null) {
            System.setProperty(key, value);
        }
    }

    /**
     * Starts the clinician web app (module clinician-app, its exec jar) as a child process on port 4200, signed in
     * through Keycloak with its DEVELOPMENT ONLY client secret, talking to the FHIR server just started. Skipped when
     * the jar was not built ({@code -Drehab.local.app=false} skips it too).
     */
    static Process startClinicianApp(Path home, KeycloakServer keycloak, String fhirBase) throws IOException {
        if (!Boolean.parseBoolean(System.getProperty("rehab.local.app", "true"))) {
            return null;
        }
        Path jar = Path.of(System.getProperty(
                "rehab.local.app-jar", "clinician-app/target/clinician-app-0.1.0-SNAPSHOT-exec.jar"));
        if (!Files.isRegularFile(jar)) {
            log.warn(
                    "No clinician app at {} (build it with ./mvnw install -DskipTests); not started",
                    jar.toAbsolutePath());
            return null;
        }
        int port = Integer.getInteger("rehab.local.app-port", 4200);
        Path logFile = home.resolve("logs").resolve("clinician-app.log");
        Files.createDirectories(logFile.getParent());
        ProcessBuilder builder = new ProcessBuilder(
                        Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                        "-Xmx512m",
                        "-jar",
                        jar.toString(),
                        "--server.port=" + port)
                .redirectErrorStream(true)
                .redirectOutput(logFile.toFile());
        builder.environment().put("REHAB_APP_FHIR_BASE_URL", fhirBase);
        builder.environment().put("REHAB_APP_ISSUER_URI", keycloak.issuerUri());
        builder.environment().put("REHAB_APP_CLIENT_SECRET", TokenClient.CLINICIAN_APP_SECRET);
        Process app = builder.start();
        waitForApp("http://localhost:" + port + "/actuator/health", app, logFile);
        log.info(
                "Clinician app: http://localhost:{}/  (sign in as alice / {} or bob, physiotherapists; audrey / {}, "
                        + "auditor; DEVELOPMENT ONLY passwords). Log: {}",
                port,
                TokenClient.ALICE_PASSWORD,
                TokenClient.AUDREY_PASSWORD,
                logFile);
        return app;
    }

    private static void waitForApp(String health, Process app, Path logFile) throws IOException {
        HttpClient http =
                HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(2)).build();
        long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
        while (System.nanoTime() < deadline) {
            if (!app.isAlive()) {
                throw new IllegalStateException(
                        "The clinician app exited with " + app.exitValue() + "; see " + logFile);
            }
            try {
                if (http.send(
                                        HttpRequest.newBuilder(URI.create(health))
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    return;
                }
            } catch (IOException starting) {
                // not listening yet
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
            try {
                Thread.sleep(500);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return;
            }
        }
        log.warn("The clinician app did not answer {} within 120 s; see {}", health, logFile);
    }

    public static void main(String[] args) throws Exception {
        Path home = Path.of(System.getProperty("rehab.local.dir", ".local")).toAbsolutePath();
        int postgresPort = Integer.getInteger("rehab.local.postgres-port", 54329);

        int keycloakPort = Integer.getInteger("keycloak.port", 8180);

        // the database role and password are those of the local profile: one place for them
        PropertySource<?> local = new YamlPropertySourceLoader()
                .load(PROFILE, new ClassPathResource("application-" + PROFILE + ".yaml"))
                .get(0);
        String dbUser = String.valueOf(local.getProperty("spring.datasource.username"));
        String dbPassword = String.valueOf(local.getProperty("spring.datasource.password"));
        // real (if local) data: fsync and synchronous_commit on, unlike the embedded distribution's test defaults
        LocalPostgres postgres =
                LocalPostgres.start(home.resolve("pgdata"), postgresPort, LocalPostgres.Durability.DURABLE);
        String jdbcUrl = postgres.ensureDatabase(DB_NAME, dbUser, dbPassword);
        KeycloakServer keycloak =
                KeycloakServer.start(KeycloakSettings.fromSystemProperties().withPort(keycloakPort));
        log.info(
                "Keycloak {} ready at {} (realm rehab, issuer {})",
                KeycloakSettings.VERSION,
                keycloak.baseUrl(),
                keycloak.issuerUri());

        // The local profile holds the development settings; these two are what the services actually started on
        // (system properties rank above the profile; a -D given on the command line still wins).
        setIfAbsent("spring.datasource.url", jdbcUrl);
        setIfAbsent("rehab.security.issuer-uri", keycloak.issuerUri());
        setIfAbsent("rehab.security.introspection.client-secret", TokenClient.FHIR_SERVER_SECRET);

        SpringApplication application = new SpringApplication(RehabFhirApplication.class);
        application.setAdditionalProfiles(PROFILE);
        application.setRegisterShutdownHook(false);
        ConfigurableApplicationContext context = application.run(args);

        String fhirBase =
                "http://localhost:" + context.getEnvironment().getProperty("local.server.port", "8080") + "/fhir";
        Process app = startClinicianApp(home, keycloak, fhirBase);

        Runtime.getRuntime()
                .addShutdownHook(new Thread(
                        () -> {
                            log.info("Stopping the clinician app and the FHIR server, then Keycloak and PostgreSQL");
                            if (app != null) {
                                app.destroy();
                                try {
                                    app.waitFor(20, TimeUnit.SECONDS);
                                } catch (InterruptedException e) {
                                    Thread.currentThread().interrupt();
                                }
                                app.destroyForcibly();
                            }
                            context.close();
                            keycloak.close();
                            try {
                                postgres.close();
                            } catch (Exception e) {
                                log.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
                            }
                        },
                        "local-shutdown"));
    }
}
