package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.io.IOException;
import java.net.ServerSocket;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.Collections;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.TimeUnit;
import java.util.concurrent.atomic.AtomicBoolean;
import java.util.concurrent.atomic.AtomicInteger;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.KeycloakSettings;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.server.audit.AuditStore;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The fault-injection suite (not part of {@code verify}; README): PostgreSQL (durable settings), Keycloak and the FHIR
 * server's exec jar as separate processes this test controls, loopback only, a steady write load of 4 clients
 * (conditional creates and transactions of conditional entries; a client retries a failed or unanswered write, as an
 * EHR does, until it is acknowledged), and in turn: a restart of PostgreSQL (fast shutdown, then start), a SIGKILL of
 * the server and a new start, a stop of Keycloak (tokens already issued keep working; a new sign-in fails) and its
 * start (a new realm key, picked up by the server). After each phase it checks, from the clients' own log, that every
 * acknowledged write is stored once (lost, duplicated), no transaction is partly stored, every acknowledged write has
 * a success AuditEvent, and the audit chain verifies; it prints the table on lines starting with {@code FAULTS}.
 *
 * <pre>
 * flock /tmp/rehab-mvn.lock ./mvnw -pl fhir-server -am verify -Dit.test=FaultInjectionBenchmark -Dtest=none \
 *   -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false | grep FAULTS
 * </pre>
 * {@code -Dfaults.phase-seconds=12} sets how long the load runs around each fault.
 */
class FaultInjectionBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FaultInjectionBenchmark.class);
    private static final String MRN = "http://rehab-fhir.org/fhir/sid/fault-mrn";
    private static final String COND = "http://rehab-fhir.org/fhir/sid/fault-condition";
    private static final int CLIENTS = 4;
    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(15);
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern LOCATION = Pattern.compile("\"location\"\\s*:\\s*\"Patient/([^/\"]+)");

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final int phaseSeconds = Integer.getInteger("faults.phase-seconds", 12);

    /** One logical write of a client and what happened to it. */
    static final class Write {
        final String mrn = "F-" + UUID.randomUUID();
        final String conditionId = UUID.randomUUID().toString();
        final boolean transaction;
        volatile String patientId;
        volatile boolean acknowledged;
        final AtomicInteger attempts = new AtomicInteger();

        Write(boolean transaction) {
            this.transaction = transaction;
        }
    }

    /** One row of the table. */
    record Row(
            String fault,
            int requests,
            int acknowledged,
            int lost,
            int duplicated,
            int partial,
            int unaudited,
            double recoverySeconds,
            String notes) {}

    private Path work;
    private LocalPostgres postgres;
    private int postgresPort;
    private String jdbcUrl;
    private KeycloakServer keycloak;
    private int keycloakPort;
    private Process server;
    private int serverPort;
    private final AtomicReference<String> token = new AtomicReference<>();
    private final AtomicLong lastSuccessNanos = new AtomicLong();

    @Test
    void faultsLoseAndDuplicateNothing() throws Exception {
        work = Path.of("target", "fault-suite").toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work);
        postgresPort = freePort();
        keycloakPort = freePort();
        serverPort = freePort();
        List<Row> rows = new ArrayList<>();
        try {
            postgres = LocalPostgres.start(work.resolve("pgdata"), postgresPort, LocalPostgres.Durability.DURABLE);
            jdbcUrl = postgres.ensureDatabase("rehab", "rehab", "rehab-faults-DEV-ONLY");
            keycloak =
                    KeycloakServer.start(KeycloakSettings.fromSystemProperties().withPort(keycloakPort));
            startServer();
            token.set(keycloak.tokens().ehrHospitalToken());

            rows.add(phase("none (steady load)", () -> 0L, ""));
            rows.add(phase("PostgreSQL restart", this::restartPostgres, ""));
            rows.add(phase("server SIGKILL + start", this::killAndStartServer, ""));
            StringBuilder keycloakNotes = new StringBuilder();
            rows.add(phase("Keycloak stop + start", () -> stopAndStartKeycloak(keycloakNotes), keycloakNotes));
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
            if (keycloak != null) {
                keycloak.stop();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
        log.info(String.format(
                "FAULTS %-24s %8s %12s %5s %10s %7s %9s %10s  %s",
                "fault",
                "requests",
                "acknowledged",
                "lost",
                "duplicated",
                "partial",
                "unaudited",
                "recovery s",
                "notes"));
        for (Row r : rows) {
            log.info(String.format(
                    "FAULTS %-24s %8d %12d %5d %10d %7d %9d %10.1f  %s",
                    r.fault(),
                    r.requests(),
                    r.acknowledged(),
                    r.lost(),
                    r.duplicated(),
                    r.partial(),
                    r.unaudited(),
                    r.recoverySeconds(),
                    r.notes()));
        }
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.lost()).as(r.fault() + " lost").isZero();
            assertThat(r.duplicated()).as(r.fault() + " duplicated").isZero();
            assertThat(r.partial()).as(r.fault() + " partly stored").isZero();
            assertThat(r.unaudited()).as(r.fault() + " without AuditEvent").isZero();
            assertThat(r.acknowledged()).as(r.fault() + " acknowledged").isPositive();
        });
    }

    interface Fault {
        /** Injects the fault and clears it; returns the {@code System.nanoTime()} it was cleared at (0: no fault). */
        long run() throws Exception;
    }

    /** Load for a phase, the fault in its middle, then the load drains and the clients' log is checked. */
    private Row phase(String name, Fault fault, CharSequence notes) throws Exception {
        List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        AtomicInteger requests = new AtomicInteger();
        AtomicBoolean produce = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.submit(() -> {
                int n = 0;
                while (produce.get()) {
                    Write w = new Write((client + n++) % 2 == 1);
                    writes.add(w);
                    deliver(w, requests);
                }
                return null;
            });
        }
        Thread.sleep(phaseSeconds * 500L);
        long faultStart = System.nanoTime();
        long cleared = fault.run();
        double recovery = 0;
        if (cleared > 0) {
            long deadline = System.nanoTime() + Duration.ofSeconds(120).toNanos();
            while (lastSuccessNanos.get() < cleared && System.nanoTime() < deadline) {
                Thread.sleep(100);
            }
            recovery = (lastSuccessNanos.get() - cleared) / 1e9;
        }
        log.info("FAULTS phase '{}': fault took {} s", name, (System.nanoTime() - faultStart) / 1_000_000_000L);
        Thread.sleep(phaseSeconds * 500L);
        produce.set(false);
        clients.shutdown();
        assertThat(clients.awaitTermination(180, TimeUnit.SECONDS))
                .as("clients finished their writes")
                .isTrue();
        return check(name, writes, requests.get(), recovery, notes.toString());
    }

    /** Sends a write until it is acknowledged (2xx); conditional, so that a retry cannot duplicate it. */
    private void deliver(Write w, AtomicInteger requests) throws InterruptedException {
        long giveUp = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        while (System.nanoTime() < giveUp) {
            w.attempts.incrementAndGet();
            requests.incrementAndGet();
            try {
                HttpResponse<String> r = http.send(request(w), HttpResponse.BodyHandlers.ofString());
                if (r.statusCode() / 100 == 2) {
                    Matcher m = (w.transaction ? LOCATION : ID).matcher(r.body());
                    w.patientId = m.find() ? m.group(1) : null;
                    w.acknowledged = true;
                    lastSuccessNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    return;
                }
                if (r.statusCode() == 401) {
                    refreshToken();
                }
            } catch (IOException unanswered) {
                // refused, reset or timed out: retried below
            }
            Thread.sleep(300);
        }
    }

    private HttpRequest request(Write w) {
        String patient =
                "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + MRN + "\",\"value\":\"" + w.mrn
                        + "\"}],\"active\":true,\"name\":[{\"family\":\"Fault\",\"given\":[\"Test\"]}],\"gender\":\"female\"}";
        HttpRequest.Builder b = HttpRequest.newBuilder()
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token.get())
                .header("Content-Type", "application/fhir+json");
        if (!w.transaction) {
            return b.uri(URI.create(base() + "/Patient"))
                    .header("If-None-Exist", "identifier=" + MRN + "|" + w.mrn)
                    .POST(HttpRequest.BodyPublishers.ofString(patient))
                    .build();
        }
        String uuid = "urn:uuid:" + UUID.randomUUID();
        String condition = "{\"resourceType\":\"Condition\",\"identifier\":[{\"system\":\"" + COND + "\",\"value\":\""
                + w.conditionId + "\"}],\"clinicalStatus\":{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/condition-clinical\",\"code\":\"active\"}]},"
                + "\"verificationStatus\":{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/condition-ver-status\",\"code\":\"confirmed\"}]},"
                + "\"code\":{\"coding\":[{\"system\":\"http://snomed.info/sct\",\"code\":\"239873007\","
                + "\"display\":\"Osteoarthritis of knee\"}]},\"subject\":{\"reference\":\"" + uuid + "\"}}";
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":\"" + uuid
                + "\",\"resource\":" + patient
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\",\"ifNoneExist\":"
                + "\"identifier=" + MRN + "|" + w.mrn + "\"}},{\"resource\":" + condition + ",\"request\":{\"method\":"
                + "\"POST\",\"url\":\"Condition\",\"ifNoneExist\":\"identifier=" + COND + "|" + w.conditionId
                + "\"}}]}";
        return b.uri(URI.create(base()))
                .POST(HttpRequest.BodyPublishers.ofString(bundle))
                .build();
    }

    private void refreshToken() {
        try {
            token.set(keycloak.tokens().ehrHospitalToken());
        } catch (RuntimeException keycloakDown) {
            // keep the token we have (it stays valid until it expires)
        }
    }

    /** Counts from the store: every write of the phase, acknowledged or not. */
    private Row check(String name, List<Write> writes, int requests, double recovery, String notes) throws Exception {
        int acknowledged = 0, lost = 0, duplicated = 0, partial = 0, unaudited = 0;
        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(jdbcUrl, "rehab", "rehab-faults-DEV-ONLY"));
        for (Write w : writes) {
            int patients = count("Patient", MRN, w.mrn);
            int conditions = w.transaction ? count("Condition", COND, w.conditionId) : 0;
            if (w.acknowledged) {
                acknowledged++;
                if (patients == 0 || (w.transaction && conditions == 0)) {
                    lost++;
                }
                Integer events = w.patientId == null
                        ? 0
                        : jdbc.queryForObject(
                                "SELECT count(*) FROM rehab_audit_event WHERE outcome = '0' AND ? = ANY(resource_refs)",
                                Integer.class,
                                "Patient/" + w.patientId);
                if (events == null || events == 0) {
                    unaudited++;
                }
            }
            if (patients > 1 || conditions > 1) {
                duplicated++;
            }
            if (w.transaction && (patients > 0) != (conditions > 0)) {
                partial++;
            }
        }
        AuditStore.ChainReport chain = new AuditStore(
                        new DriverManagerDataSource(jdbcUrl, "rehab", "rehab-faults-DEV-ONLY"),
                        FhirContext.forR4Cached())
                .verify();
        String allNotes = (notes.isEmpty() ? "" : notes + "; ") + "chain "
                + (chain.intact() ? "intact" : "BROKEN at " + chain.firstBrokenSeq()) + " (" + chain.checked()
                + " events)";
        assertThat(chain.intact()).as(name + ": audit chain " + chain.reason()).isTrue();
        return new Row(name, requests, acknowledged, lost, duplicated, partial, unaudited, recovery, allNotes);
    }

    private int count(String type, String system, String value) throws Exception {
        String url = base() + "/" + type + "?identifier="
                + URLEncoder.encode(system + "|" + value, StandardCharsets.UTF_8) + "&_summary=count";
        for (int attempt = 0; ; attempt++) {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(url))
                            .timeout(REQUEST_TIMEOUT)
                            .header("Authorization", "Bearer " + token.get())
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = Pattern.compile("\"total\"\\s*:\\s*(\\d+)").matcher(r.body());
            if (r.statusCode() == 200 && m.find()) {
                return Integer.parseInt(m.group(1));
            }
            if (attempt > 5) {
                throw new IllegalStateException("count failed: " + r.statusCode() + " " + r.body());
            }
            refreshToken();
            Thread.sleep(500);
        }
    }

    // ------------------------------------------------------------------------------------------------------ faults

    private long restartPostgres() throws Exception {
        log.info("FAULTS stopping PostgreSQL (fast shutdown)");
        postgres.close();
        Thread.sleep(3000);
        HttpResponse<String> during = http.send(
                HttpRequest.newBuilder(URI.create("http://localhost:" + serverPort + "/actuator/health/readiness"))
                        .timeout(REQUEST_TIMEOUT)
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        log.info("FAULTS readiness while PostgreSQL is down: {} {}", during.statusCode(), during.body());
        postgres = LocalPostgres.start(work.resolve("pgdata"), postgresPort, LocalPostgres.Durability.DURABLE);
        return System.nanoTime();
    }

    private long killAndStartServer() throws Exception {
        log.info("FAULTS SIGKILL to the server (pid {})", server.pid());
        server.destroyForcibly().waitFor(30, TimeUnit.SECONDS);
        long killed = System.nanoTime();
        startServer();
        return killed;
    }

    private long stopAndStartKeycloak(StringBuilder notes) throws Exception {
        refreshToken();
        keycloak.stop();
        Thread.sleep(2000);
        String signIn;
        try {
            keycloak.tokens().ehrHospitalToken();
            signIn = "a sign-in succeeded with Keycloak stopped";
        } catch (RuntimeException expected) {
            signIn = "new sign-in refused while stopped (" + expected.getClass().getSimpleName() + ")";
        }
        Thread.sleep(phaseSeconds * 300L);
        keycloak = KeycloakServer.start(KeycloakSettings.fromSystemProperties().withPort(keycloakPort));
        long back = System.nanoTime();
        token.set(keycloak.tokens().ehrHospitalToken()); // signed with the restarted realm's new key
        notes.append(signIn).append("; tokens issued before kept working; new key after the restart");
        return back;
    }

    // -------------------------------------------------------------------------------------------------- processes

    private void startServer() throws Exception {
        Path jar;
        try (Stream<Path> files = Files.list(Path.of("target"))) {
            jar = files.filter(p -> p.getFileName().toString().endsWith("-exec.jar"))
                    .findFirst()
                    .orElseThrow(
                            () -> new IllegalStateException("no exec jar in fhir-server/target: run the verify phase"));
        }
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                "-jar",
                jar.toAbsolutePath().toString(),
                "--server.port=" + serverPort,
                "--server.address=127.0.0.1",
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=rehab",
                "--spring.datasource.password=rehab-faults-DEV-ONLY",
                "--rehab.security.issuer-uri=" + keycloak.issuerUri(),
                "--rehab.demo-data.enabled=false");
        Path logFile = work.resolve("fhir-server.log");
        server = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(180).toNanos();
        while (System.nanoTime() < deadline) {
            if (!server.isAlive()) {
                throw new IllegalStateException("the server exited; see " + logFile);
            }
            try {
                if (http.send(
                                        HttpRequest.newBuilder(URI.create("http://localhost:" + serverPort
                                                        + "/actuator/health/readiness"))
                                                .timeout(Duration.ofSeconds(5))
                                                .GET()
                                                .build(),
                                        HttpResponse.BodyHandlers.discarding())
                                .statusCode()
                        == 200) {
                    log.info("FAULTS server ready on port {} (pid {})", serverPort, server.pid());
                    return;
                }
            } catch (IOException starting) {
                // not yet
            }
            Thread.sleep(500);
        }
        throw new IllegalStateException("the server was not ready within 180 s; see " + logFile);
    }

    private String base() {
        return "http://localhost:" + serverPort + "/fhir";
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0)) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> files = Files.walk(root)) {
            files.sorted(java.util.Comparator.reverseOrder())
                    .forEach(p -> p.toFile().delete());
        }
    }
}
