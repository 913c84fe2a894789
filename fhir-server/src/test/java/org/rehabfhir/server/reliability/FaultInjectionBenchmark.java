package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import com.fasterxml.jackson.databind.ObjectMapper;
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
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.Statement;
import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Base64;
import java.util.Collections;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ConcurrentSkipListMap;
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
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.KeycloakSettings;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.audit.AuditStore;
import org.rehabfhir.server.benchmark.ServerProcess;
import org.rehabfhir.server.pathway.Pathway;
import org.rehabfhir.server.support.FhirClients;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * The fault-injection suite (README): PostgreSQL (durable settings), Keycloak and the FHIR server's exec jar as separate
 * processes this test controls, loopback only, a steady write load of 4 clients (conditional creates, transactions of
 * conditional entries, and {@code $record-session} on an active plan as physiotherapist alice; a client retries a
 * failed or unanswered write until it is acknowledged, a session only after checking it was not stored), and in turn:
 * a restart of PostgreSQL (fast shutdown, then start), a SIGKILL of the server and a new start, the pool filled with
 * slow requests (searches blocked on a table lock until the statement timeout cancels them), a stop of Keycloak
 * (writes fail closed with 503, token introspection being out; reads with tokens already issued keep working on the
 * cached keys; a new sign-in fails) and its start, then a realm key rotated through Keycloak's admin API (tokens
 * signed with it accepted). After each phase it checks, from the clients' own log, that every acknowledged write is
 * stored once (lost, duplicated), nothing is partly stored, every acknowledged write has a success AuditEvent, and the
 * audit chain verifies; every failed answer is timed (the slowest per phase is a column) and must be a 503 with an
 * OperationOutcome where the fault is the database's. It prints the table on lines starting with {@code FAULTS}.
 *
 * <pre>
 * flock /tmp/rehab-mvn.lock ./mvnw -pl fhir-server -am verify -Dit.test=FaultInjectionBenchmark -Dtest=none \
 *   -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false | grep FAULTS
 * </pre>
 * {@code -Dfaults.phase-seconds=12} sets how long the load runs around each fault. {@link FaultInjectionQuickIT} (in
 * {@code verify}) runs the same code in its short mode: the steady load and the PostgreSQL restart only, with the
 * build's Keycloak.
 */
class FaultInjectionBenchmark {

    private static final Logger log = LoggerFactory.getLogger(FaultInjectionBenchmark.class);
    private static final String MRN = "http://rehab-fhir.org/fhir/sid/fault-mrn";
    private static final String COND = "http://rehab-fhir.org/fhir/sid/fault-condition";
    private static final String RECORD_PATIENT = "Patient/demo-knee-oa";
    private static final String DB_PASSWORD = "rehab-faults-DEV-ONLY";
    private static final int CLIENTS = 4;
    /** The server's Hikari pool ({@code spring.datasource.hikari.maximum-pool-size} of application.yaml). */
    private static final int POOL = 20;
    /** The pool's wait for a connection ({@code spring.datasource.hikari.connection-timeout} of application.yaml). */
    private static final Duration CONNECTION_TIMEOUT = Duration.ofMillis(5000);
    /** While PostgreSQL is down a request is answered within one connection timeout and this (the machine's load). */
    private static final Duration ANSWER_MARGIN = Duration.ofSeconds(3);

    private static final Duration REQUEST_TIMEOUT = Duration.ofSeconds(30);
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern LOCATION = Pattern.compile("\"location\"\\s*:\\s*\"Patient/([^/\"]+)");
    private static final Pattern OBSERVATION =
            Pattern.compile("\"resourceType\"\\s*:\\s*\"Observation\"\\s*,\\s*\"id\"\\s*:\\s*\"([^\"]+)\"");
    private static final Pattern TOTAL = Pattern.compile("\"total\"\\s*:\\s*(\\d+)");
    private static final ObjectMapper JSON = new ObjectMapper();

    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(3)).build();
    private final int phaseSeconds = Integer.getInteger("faults.phase-seconds", quick() ? 6 : 12);
    /** The suite's server runs with this {@code rehab.fhir.statement-timeout} (production: 30 s). */
    private final Duration statementTimeout = Duration.ofSeconds(Integer.getInteger("faults.statement-timeout", 8));

    enum Kind {
        CREATE,
        TRANSACTION,
        SESSION
    }

    /** One logical write of a client and what happened to it. */
    static final class Write {
        final Kind kind;
        final String mrn = "F-" + UUID.randomUUID();
        final String conditionId = UUID.randomUUID().toString();
        /** A session's date: one minute of its own, so that its Observations are found by it. */
        final String sessionDate;

        volatile String resourceId;
        volatile boolean acknowledged;
        final AtomicInteger attempts = new AtomicInteger();

        Write(Kind kind, String sessionDate) {
            this.kind = kind;
            this.sessionDate = sessionDate;
        }
    }

    /** What the clients saw in one phase: requests, and every answer that was not a success. */
    static final class Answers {
        final AtomicInteger requests = new AtomicInteger();
        final AtomicInteger failed = new AtomicInteger();
        /** Failed answers that are neither a 503 with an OperationOutcome nor a 401 (a token to renew). */
        final AtomicInteger not503 = new AtomicInteger();

        final AtomicInteger unanswered = new AtomicInteger();
        final AtomicLong slowestFailureMillis = new AtomicLong();
        final Map<String, AtomicInteger> statuses = new ConcurrentSkipListMap<>();

        void failure(int status, String body, long millis) {
            failed.incrementAndGet();
            if (status != 401 && (status != 503 || body == null || !body.contains("OperationOutcome"))) {
                not503.incrementAndGet();
            }
            slowestFailureMillis.accumulateAndGet(millis, Math::max);
            statuses.computeIfAbsent(String.valueOf(status), k -> new AtomicInteger())
                    .incrementAndGet();
        }

        void noAnswer(long millis) {
            unanswered.incrementAndGet();
            slowestFailureMillis.accumulateAndGet(millis, Math::max);
        }

        String summary() {
            StringBuilder b = new StringBuilder();
            statuses.forEach((status, n) -> b.append(b.isEmpty() ? "" : ", ")
                    .append(status)
                    .append(" x")
                    .append(n.get()));
            if (unanswered.get() > 0) {
                b.append(b.isEmpty() ? "" : ", ").append("no answer x").append(unanswered.get());
            }
            return b.isEmpty() ? "no failed answer" : "failed answers: " + b;
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
            int failed,
            int not503,
            long slowestFailureMillis,
            String notes) {}

    private Path work;
    private LocalPostgres postgres;
    private int postgresPort;
    private String jdbcUrl;
    private KeycloakServer keycloak;
    private int keycloakPort;
    private Process server;
    private int serverPort;
    private String sessionPlan;
    private int observationsPerSession;
    private static final Duration SESSION_SPACING = Duration.ofMinutes(15);
    private final AtomicLong sessionSlot = new AtomicLong();
    private final AtomicReference<String> token = new AtomicReference<>();
    private final AtomicReference<String> aliceToken = new AtomicReference<>();
    private final AtomicLong lastSuccessNanos = new AtomicLong();
    private final List<String> failedChecks = Collections.synchronizedList(new ArrayList<>());

    /** The short mode ({@link FaultInjectionQuickIT}): steady load and a PostgreSQL restart, the build's Keycloak. */
    boolean quick() {
        return false;
    }

    @Test
    void faultsLoseAndDuplicateNothing() throws Exception {
        work = Path.of("target", quick() ? "fault-suite-quick" : "fault-suite").toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work);
        postgresPort = freePort();
        serverPort = freePort();
        List<Row> rows = new ArrayList<>();
        try {
            postgres = LocalPostgres.start(work.resolve("pgdata"), postgresPort, LocalPostgres.Durability.DURABLE);
            jdbcUrl = postgres.ensureDatabase("rehab", "rehab", DB_PASSWORD);
            if (quick()) {
                keycloak = KeycloakServer.shared();
            } else {
                keycloakPort = freePort();
                keycloak = KeycloakServer.start(
                        KeycloakSettings.fromSystemProperties().withPort(keycloakPort));
            }
            startServer();
            refreshToken();
            preparePlan();

            rows.add(phase("none (steady load)", a -> 0L, new StringBuilder()));
            rows.add(phase("PostgreSQL restart", this::restartPostgres, new StringBuilder()));
            if (!quick()) {
                rows.add(phase("server SIGKILL + start", a -> killAndStartServer(), new StringBuilder()));
                StringBuilder poolNotes = new StringBuilder();
                rows.add(phase("pool full of slow requests", a -> saturatePool(poolNotes), poolNotes));
                StringBuilder keycloakNotes = new StringBuilder();
                rows.add(phase("Keycloak stop + start", a -> stopAndStartKeycloak(keycloakNotes), keycloakNotes));
                StringBuilder keyNotes = new StringBuilder();
                rows.add(phase("realm key rotated", a -> rotateRealmKey(keyNotes), keyNotes));
            }
        } finally {
            if (server != null) {
                server.destroyForcibly();
            }
            if (keycloak != null && !quick()) {
                keycloak.stop();
            }
            if (postgres != null) {
                postgres.close();
            }
        }
        log.info(String.format(
                "FAULTS %-26s %8s %12s %5s %10s %7s %9s %10s %6s %8s %12s  %s",
                "fault",
                "requests",
                "acknowledged",
                "lost",
                "duplicated",
                "partial",
                "unaudited",
                "recovery s",
                "failed",
                "not 503",
                "max fail ms",
                "notes"));
        for (Row r : rows) {
            log.info(String.format(
                    "FAULTS %-26s %8d %12d %5d %10d %7d %9d %10.1f %6d %8d %12d  %s",
                    r.fault(),
                    r.requests(),
                    r.acknowledged(),
                    r.lost(),
                    r.duplicated(),
                    r.partial(),
                    r.unaudited(),
                    r.recoverySeconds(),
                    r.failed(),
                    r.not503(),
                    r.slowestFailureMillis(),
                    r.notes()));
        }
        assertThat(failedChecks).as("checks of the faults' effects").isEmpty();
        assertThat(rows).allSatisfy(r -> {
            assertThat(r.lost()).as(r.fault() + " lost").isZero();
            assertThat(r.duplicated()).as(r.fault() + " duplicated").isZero();
            assertThat(r.partial()).as(r.fault() + " partly stored").isZero();
            assertThat(r.unaudited()).as(r.fault() + " without AuditEvent").isZero();
            assertThat(r.acknowledged()).as(r.fault() + " acknowledged").isPositive();
        });
        // the database's faults: every failed answer is a 503 with an OperationOutcome (Keycloak's: writes fail
        // closed with 503 too; a killed server answers nothing)
        assertThat(rows)
                .filteredOn(r -> r.fault().startsWith("PostgreSQL")
                        || r.fault().startsWith("pool")
                        || r.fault().startsWith("Keycloak"))
                .allSatisfy(r -> assertThat(r.not503())
                        .as(r.fault() + ": failed answers other than 503 + OperationOutcome (" + r.notes() + ")")
                        .isZero());
        // fail fast: no request waits for a connection twice (found: the audit of the 503 waited once more)
        assertThat(rows).filteredOn(r -> r.fault().startsWith("PostgreSQL")).allSatisfy(r -> assertThat(
                        r.slowestFailureMillis())
                .as(r.fault() + ": slowest failed answer, ms")
                .isLessThanOrEqualTo(CONNECTION_TIMEOUT.plus(ANSWER_MARGIN).toMillis()));
    }

    interface Fault {
        /** Injects the fault and clears it; returns the {@code System.nanoTime()} it was cleared at (0: no fault). */
        long run(Answers answers) throws Exception;
    }

    /** Load for a phase, the fault in its middle, then the load drains and the clients' log is checked. */
    private Row phase(String name, Fault fault, StringBuilder notes) throws Exception {
        List<Write> writes = Collections.synchronizedList(new ArrayList<>());
        Answers answers = new Answers();
        AtomicBoolean produce = new AtomicBoolean(true);
        ExecutorService clients = Executors.newFixedThreadPool(CLIENTS);
        for (int c = 0; c < CLIENTS; c++) {
            int client = c;
            clients.submit(() -> {
                int n = 0;
                while (produce.get()) {
                    Kind kind = Kind.values()[(client + n++) % Kind.values().length];
                    Write w = new Write(kind, kind == Kind.SESSION ? nextSessionDate() : null);
                    writes.add(w);
                    deliver(w, answers);
                }
                return null;
            });
        }
        Thread.sleep(phaseSeconds * 500L);
        long faultStart = System.nanoTime();
        long cleared;
        try {
            cleared = fault.run(answers);
        } catch (Exception | AssertionError failed) {
            // the clients stop with the phase, not with the test run
            produce.set(false);
            clients.shutdownNow();
            throw failed;
        }
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
        String allNotes = (notes.isEmpty() ? "" : notes + "; ") + answers.summary();
        return check(name, writes, answers, recovery, allNotes);
    }

    /**
     * Sends a write until it is acknowledged (2xx). Creates and transactions are conditional, so a retry cannot
     * duplicate them; {@code $record-session} is not, so before sending it again the client looks whether the
     * failed attempt was stored after all (as a careful EHR would).
     */
    private void deliver(Write w, Answers answers) throws Exception {
        long giveUp = System.nanoTime() + Duration.ofSeconds(150).toNanos();
        while (System.nanoTime() < giveUp) {
            if (w.kind == Kind.SESSION && w.attempts.get() > 0) {
                Integer stored = storedOrUnknown(sessionQuery(w));
                if (stored == null) {
                    Thread.sleep(300);
                    continue; // the server cannot tell yet
                }
                if (stored != 0) {
                    return; // stored although its answer was lost or failed: not sent again
                }
            }
            w.attempts.incrementAndGet();
            answers.requests.incrementAndGet();
            long sent = System.nanoTime();
            try {
                HttpResponse<String> r = http.send(request(w), HttpResponse.BodyHandlers.ofString());
                long millis = (System.nanoTime() - sent) / 1_000_000L;
                if (r.statusCode() / 100 == 2) {
                    Matcher m = (switch (w.kind) {
                                case CREATE -> ID;
                                case TRANSACTION -> LOCATION;
                                case SESSION -> OBSERVATION;
                            })
                            .matcher(r.body());
                    w.resourceId = m.find() ? m.group(1) : null;
                    w.acknowledged = true;
                    lastSuccessNanos.accumulateAndGet(System.nanoTime(), Math::max);
                    return;
                }
                answers.failure(r.statusCode(), r.body(), millis);
                if (r.statusCode() == 401) {
                    refreshToken();
                }
            } catch (IOException unanswered) {
                // refused, reset or timed out: retried below
                answers.noAnswer((System.nanoTime() - sent) / 1_000_000L);
            }
            Thread.sleep(300);
        }
    }

    private HttpRequest request(Write w) {
        String patient =
                "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + MRN + "\",\"value\":\"" + w.mrn
                        + "\"}],\"active\":true,\"name\":[{\"family\":\"Fault\",\"given\":[\"Test\"]}],\"gender\":\"female\"}";
        HttpRequest.Builder b =
                HttpRequest.newBuilder().timeout(REQUEST_TIMEOUT).header("Content-Type", "application/fhir+json");
        if (w.kind == Kind.SESSION) {
            Parameters session = Pathway.session(0, 3, 2, null);
            session.getParameter().removeIf(p -> p.getName().equals("date"));
            session.addParameter().setName("date").setValue(new DateTimeType(w.sessionDate));
            return b.uri(URI.create(base() + "/" + sessionPlan + "/$record-session"))
                    .header("Authorization", "Bearer " + aliceToken.get())
                    .POST(HttpRequest.BodyPublishers.ofString(
                            FhirContext.forR4Cached().newJsonParser().encodeResourceToString(session)))
                    .build();
        }
        b.header("Authorization", "Bearer " + token.get());
        if (w.kind == Kind.CREATE) {
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

    /**
     * A session date of its own, 15 minutes after the one before (a session lasts 10), counted up from 13 days ago
     * (the plan started 14 days ago): its Observations are found by it alone.
     */
    private String nextSessionDate() {
        return Instant.ofEpochSecond(sessionSlot.getAndIncrement() * SESSION_SPACING.toSeconds())
                .toString();
    }

    private void refreshToken() {
        try {
            token.set(keycloak.tokens().ehrHospitalToken());
            aliceToken.set(keycloak.tokens().userToken("alice"));
        } catch (RuntimeException keycloakDown) {
            // keep the tokens we have (they stay valid until they expire)
        }
    }

    /**
     * An active knee plan of the demo patient for {@code $record-session}: screened, applied, saved and activated as
     * alice (her CareTeam holds the patient), and the number of Observations one session stores.
     */
    private void preparePlan() throws Exception {
        IGenericClient alice = FhirClients.newClient(FhirContext.forR4Cached(), base());
        alice.registerInterceptor(new BearerTokenAuthInterceptor(aliceToken.get()));
        alice.create().resource(Pathway.passingScreen(RECORD_PATIENT)).execute();
        sessionPlan = Pathway.save(alice, Pathway.apply(alice, Pathway.KNEE_OA, RECORD_PATIENT, 14));
        Pathway.activate(alice, sessionPlan, null, null);
        sessionSlot.set(Instant.now().minus(Duration.ofDays(13)).getEpochSecond() / SESSION_SPACING.toSeconds());
        Write first = new Write(Kind.SESSION, nextSessionDate());
        HttpResponse<String> recorded = http.send(request(first), HttpResponse.BodyHandlers.ofString());
        assertThat(recorded.statusCode())
                .as("a first $record-session: " + recorded.body())
                .isEqualTo(200);
        observationsPerSession = count(sessionQuery(first));
        assertThat(observationsPerSession).isPositive();
        log.info("FAULTS sessions on {}: {} Observations each", sessionPlan, observationsPerSession);
    }

    /** Counts from the store: every write of the phase, acknowledged or not. */
    private Row check(String name, List<Write> writes, Answers answers, double recovery, String notes)
            throws Exception {
        int acknowledged = 0, lost = 0, duplicated = 0, partial = 0, unaudited = 0;
        JdbcTemplate jdbc = new JdbcTemplate(new DriverManagerDataSource(jdbcUrl, "rehab", DB_PASSWORD));
        for (Write w : writes) {
            int stored;
            boolean duplicate, part;
            String audited;
            if (w.kind == Kind.SESSION) {
                stored = count(sessionQuery(w));
                duplicate = stored > observationsPerSession;
                part = stored != 0 && stored != observationsPerSession && !duplicate;
                audited = "Observation/" + w.resourceId;
            } else {
                int patients = count("Patient?identifier=" + encode(MRN + "|" + w.mrn));
                int conditions = w.kind == Kind.TRANSACTION
                        ? count("Condition?identifier=" + encode(COND + "|" + w.conditionId))
                        : 0;
                stored = w.kind == Kind.TRANSACTION ? Math.min(patients, conditions) : patients;
                duplicate = patients > 1 || conditions > 1;
                part = w.kind == Kind.TRANSACTION && (patients > 0) != (conditions > 0);
                audited = "Patient/" + w.resourceId;
            }
            if (w.acknowledged) {
                acknowledged++;
                if (stored == 0) {
                    lost++;
                }
                Integer events = w.resourceId == null
                        ? 0
                        : jdbc.queryForObject(
                                "SELECT count(*) FROM rehab_audit_event WHERE outcome = '0' AND ? = ANY(resource_refs)",
                                Integer.class,
                                audited);
                if (events == null || events == 0) {
                    unaudited++;
                }
            }
            if (duplicate) {
                duplicated++;
            }
            if (part) {
                partial++;
            }
        }
        AuditStore.ChainReport chain = new AuditStore(
                        new DriverManagerDataSource(jdbcUrl, "rehab", DB_PASSWORD), FhirContext.forR4Cached())
                .verify();
        String allNotes = notes + "; chain " + (chain.intact() ? "intact" : "BROKEN at " + chain.firstBrokenSeq())
                + " (" + chain.checked() + " events)";
        assertThat(chain.intact()).as(name + ": audit chain " + chain.reason()).isTrue();
        return new Row(
                name,
                answers.requests.get(),
                acknowledged,
                lost,
                duplicated,
                partial,
                unaudited,
                recovery,
                answers.failed.get(),
                answers.not503.get(),
                answers.slowestFailureMillis.get(),
                allNotes);
    }

    /** The search for the Observations of the session {@code w} (its plan, its date). */
    private String sessionQuery(Write w) {
        return "Observation?based-on=" + sessionPlan + "&date=" + encode(w.sessionDate);
    }

    /** One attempt at {@link #count}: null when the server does not answer it (down, or the database is). */
    private Integer storedOrUnknown(String query) throws InterruptedException {
        try {
            HttpResponse<String> r = http.send(
                    HttpRequest.newBuilder(URI.create(base() + "/" + query + "&_summary=count"))
                            .timeout(REQUEST_TIMEOUT)
                            .header("Authorization", "Bearer " + token.get())
                            .GET()
                            .build(),
                    HttpResponse.BodyHandlers.ofString());
            Matcher m = TOTAL.matcher(r.body());
            return r.statusCode() == 200 && m.find() ? Integer.valueOf(m.group(1)) : null;
        } catch (IOException down) {
            return null;
        }
    }

    /** The number of matches of {@code query}, asked a few times (a token to renew, a busy server). */
    private int count(String query) throws Exception {
        for (int attempt = 0; ; attempt++) {
            Integer found = storedOrUnknown(query);
            if (found != null) {
                return found;
            }
            if (attempt > 5) {
                throw new IllegalStateException("count failed: " + query);
            }
            refreshToken();
            Thread.sleep(500);
        }
    }

    // ------------------------------------------------------------------------------------------------------ faults

    private long restartPostgres(Answers answers) throws Exception {
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
        expect(during.statusCode() == 503, "readiness while PostgreSQL is down: " + during.statusCode());
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

    /**
     * {@value #POOL} + 4 searches that take the whole pool: a lock on HAPI's resource table (held by the suite's own
     * connection) makes each wait until the statement timeout cancels it; meanwhile the load waits for a connection.
     * The searches filter on {@code _lastUpdated}, a column of that table (a count by code alone reads only HAPI's
     * index tables: the first full run's searches were answered in 222 ms and the pool never filled).
     * The lock is held past the statement timeout, then released.
     */
    private long saturatePool(StringBuilder notes) throws Exception {
        Answers slow = new Answers();
        ExecutorService searches = Executors.newFixedThreadPool(POOL + 4);
        try (Connection blocker = DriverManager.getConnection(jdbcUrl, "rehab", DB_PASSWORD)) {
            blocker.setAutoCommit(false);
            try (Statement lock = blocker.createStatement()) {
                lock.execute("SET LOCAL statement_timeout = 0");
                // one table: a lock on several, taken one after the other, can deadlock with a running write
                lock.execute("LOCK TABLE hfj_resource IN ACCESS EXCLUSIVE MODE");
            }
            log.info("FAULTS pool: HAPI's resource table locked, {} slow searches", POOL + 4);
            for (int i = 0; i < POOL + 4; i++) {
                searches.submit(() -> {
                    long sent = System.nanoTime();
                    try {
                        HttpResponse<String> r = http.send(
                                HttpRequest.newBuilder(URI.create(
                                                base() + "/Observation?_lastUpdated=gt2000-01-01&_summary=count"))
                                        .timeout(REQUEST_TIMEOUT.plus(statementTimeout))
                                        .header("Authorization", "Bearer " + token.get())
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString());
                        slow.failure(r.statusCode(), r.body(), (System.nanoTime() - sent) / 1_000_000L);
                    } catch (IOException e) {
                        slow.noAnswer((System.nanoTime() - sent) / 1_000_000L);
                    }
                    return null;
                });
            }
            Thread.sleep(statementTimeout.plusSeconds(3).toMillis());
            blocker.rollback();
        }
        long released = System.nanoTime();
        searches.shutdown();
        searches.awaitTermination(120, TimeUnit.SECONDS);
        notes.append(POOL + 4)
                .append(" slow searches (statement timeout ")
                .append(statementTimeout.toSeconds())
                .append(" s, connection timeout 5 s): ")
                .append(slow.summary().replace("failed answers: ", ""))
                .append(", slowest ")
                .append(slow.slowestFailureMillis.get())
                .append(" ms");
        // found by the first run whose searches filled the pool: those HAPI's search thread ran answered 500
        expect(
                slow.not503.get() == 0,
                "the slow searches are answered 503 with an OperationOutcome: " + slow.summary());
        return released;
    }

    /**
     * Keycloak stopped: a new sign-in fails; a read with a token issued before works on the cached keys; writes fail
     * closed (introspection out: 503). Then started again (a new realm, so a new key: tokens of the stopped one are
     * refused from now on, hence the new tokens).
     */
    private long stopAndStartKeycloak(StringBuilder notes) throws Exception {
        refreshToken();
        keycloak.stop();
        Thread.sleep(2000);
        String signIn;
        try {
            keycloak.tokens().ehrHospitalToken();
            signIn = "a sign-in succeeded with Keycloak stopped";
        } catch (RuntimeException expected) {
            signIn = "new sign-in refused while stopped (" + expected.getMessage() + ")";
        }
        Thread.sleep(phaseSeconds * 300L);
        HttpResponse<String> read = http.send(
                HttpRequest.newBuilder(URI.create(base() + "/Patient?_count=1"))
                        .timeout(REQUEST_TIMEOUT)
                        .header("Authorization", "Bearer " + token.get())
                        .GET()
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        keycloak = KeycloakServer.start(KeycloakSettings.fromSystemProperties().withPort(keycloakPort));
        long back = System.nanoTime();
        refreshToken(); // signed with the restarted realm's new key
        notes.append(signIn)
                .append("; a read with a token issued before: ")
                .append(read.statusCode())
                .append("; writes while stopped fail closed (introspection)");
        expect(read.statusCode() == 200, "a read on the cached keys while Keycloak is down: " + read.statusCode());
        return back;
    }

    /**
     * A new RS256 key for the realm through Keycloak's admin API (a key provider of a higher priority, as
     * docs/operations.md describes): tokens issued after it carry its key id, unknown to the server until it fetches
     * the realm's keys again.
     */
    private long rotateRealmKey(StringBuilder notes) throws Exception {
        String before = keyId(token.get());
        String admin = JSON.readTree(keycloak.tokens()
                        .post(
                                keycloak.tokenEndpoint("master"),
                                Map.of(
                                        "grant_type",
                                        "password",
                                        "client_id",
                                        "admin-cli",
                                        "username",
                                        KeycloakServer.DEV_ADMIN_USER,
                                        "password",
                                        KeycloakServer.DEV_ADMIN_PASSWORD))
                        .body())
                .get("access_token")
                .asText();
        String realmAdmin = keycloak.baseUrl() + "/admin/realms/" + KeycloakSettings.REALM;
        String realmId = JSON.readTree(http.send(
                                HttpRequest.newBuilder(URI.create(realmAdmin))
                                        .header("Authorization", "Bearer " + admin)
                                        .GET()
                                        .build(),
                                HttpResponse.BodyHandlers.ofString())
                        .body())
                .get("id")
                .asText();
        String provider = "{\"name\":\"fault-suite-rotated\",\"providerId\":\"rsa-generated\",\"providerType\":"
                + "\"org.keycloak.keys.KeyProvider\",\"parentId\":\"" + realmId + "\",\"config\":{\"priority\":"
                + "[\"1000\"],\"algorithm\":[\"RS256\"],\"keySize\":[\"2048\"],\"active\":[\"true\"],\"enabled\":[\"true\"]}}";
        HttpResponse<String> added = http.send(
                HttpRequest.newBuilder(URI.create(realmAdmin + "/components"))
                        .header("Authorization", "Bearer " + admin)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(provider))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        expect(added.statusCode() == 201, "new key provider: " + added.statusCode() + " " + added.body());
        long rotated = System.nanoTime();
        refreshToken();
        String after = keyId(token.get());
        notes.append("key id ").append(before).append(" -> ").append(after);
        expect(!after.equals(before), "tokens signed with the new key: key id still " + after);
        return rotated;
    }

    /** A check of a fault's own effects: noted, and asserted after the table is printed. */
    private void expect(boolean holds, String what) {
        if (!holds) {
            log.warn("FAULTS check failed: {}", what);
            failedChecks.add(what);
        }
    }

    private static String keyId(String jwt) throws IOException {
        String header = new String(Base64.getUrlDecoder().decode(jwt.substring(0, jwt.indexOf('.'))));
        return JSON.readTree(header).get("kid").asText();
    }

    // -------------------------------------------------------------------------------------------------- processes

    private void startServer() throws Exception {
        List<String> command = List.of(
                Path.of(System.getProperty("java.home"), "bin", "java").toString(),
                "-Xmx1g",
                // the production jar plus the demo data (alice's Practitioner and CareTeam, the demo patients), as a
                // demo installation adds it (Spring Boot's PropertiesLauncher): $record-session in the load
                "-Dloader.path=" + ServerProcess.demoData(),
                "-cp",
                ServerProcess.serverJar().toString(),
                "org.springframework.boot.loader.launch.PropertiesLauncher",
                "--server.port=" + serverPort,
                "--server.address=127.0.0.1",
                "--spring.datasource.url=" + jdbcUrl,
                "--spring.datasource.username=rehab",
                "--spring.datasource.password=" + DB_PASSWORD,
                "--rehab.security.issuer-uri=" + keycloak.issuerUri(),
                "--rehab.security.introspection.client-secret=" + TokenClient.FHIR_SERVER_SECRET,
                "--rehab.fhir.statement-timeout=" + statementTimeout.toSeconds() + "s",
                "--rehab.demo-data.enabled=true");
        Path logFile = work.resolve("fhir-server.log");
        server = new ProcessBuilder(command)
                .redirectErrorStream(true)
                .redirectOutput(ProcessBuilder.Redirect.appendTo(logFile.toFile()))
                .start();
        long deadline = System.nanoTime() + Duration.ofSeconds(240).toNanos();
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
        throw new IllegalStateException("the server was not ready within 240 s; see " + logFile);
    }

    private String base() {
        return "http://localhost:" + serverPort + "/fhir";
    }

    private static String encode(String value) {
        return URLEncoder.encode(value, StandardCharsets.UTF_8);
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
