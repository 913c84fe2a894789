package org.rehabfhir.server.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.nio.file.Path;
import java.time.Duration;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Locale;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import java.util.function.Function;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.KeycloakSettings;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.pathway.Pathway;
import org.rehabfhir.server.support.FhirClients;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark, not a test (its name matches none of failsafe's patterns, so {@code ./mvnw verify} skips it): our
 * server in two configurations side by side, in one run, on one PostgreSQL, with the same workloads interleaved
 * round by round (bare, full, full, bare, ...) so that noise hits both. Each server is the module's exec jar in its
 * own process (own heap, own resident memory) on its own database of the shared test PostgreSQL:
 * <ul>
 *   <li><b>bare</b>: HAPI's JPA server as this project configures it, with validation, security (no token checks, no
 *       authorization), the audit trail, Provenance and the care pathway's storage hooks switched off;</li>
 *   <li><b>full</b>: production settings (tokens from the test Keycloak, SMART authorization, care-team narrowing,
 *       validation of every write, AuditEvent and Provenance).</li>
 * </ul>
 * Both load the demo data at start (patients, practitioners, care teams; the same on both). Workloads: Observation
 * create at 1 and 8 clients, a transaction of 1 Patient + 20 Observations at 4 clients, search Observation by
 * patient + code + date and read at 8 clients, {@code $recommend-regimens} for a patient with 10,000 Observations at
 * 1 and 8 clients, {@code $record-session} (bare: a transaction of the same Observations, the operation needs a
 * physiotherapist's token) and {@code $evaluate-progress} for a plan with 500 session Observations at 8 clients;
 * ingest of bundles of 200 entries at 4 clients. All at two database sizes: as seeded (empty but for the demo data
 * and the 10,000 Observations of the record patient) and after a bulk fill of about 100,000 Observations. Prints
 * one table per size (lines starting with {@code BENCHMARK}): throughput, p50/p95/p99, ratio full/bare, heap, GC
 * share and resident memory of each server.
 *
 * <p>Run (the README's command):
 * {@code ./mvnw -pl fhir-server -am verify -Dit.test=SideBySideBenchmark -Dtest=none -Dsurefire.failIfNoSpecifiedTests=false
 * -Dfailsafe.failIfNoSpecifiedTests=false -Dbenchmark.quick=true | grep BENCHMARK}. Parameters (system properties):
 * {@code benchmark.quick} (short rounds, 20,000 bulk Observations: a few minutes), {@code benchmark.rounds},
 * {@code benchmark.seconds} (per workload, server and round), {@code benchmark.bulk} (Observations of the bulk fill,
 * 0: none), {@code benchmark.recordObservations} (10,000), {@code benchmark.jvm} (the servers' JVM options;
 * default: the argument file {@code deploy/jvm/server.jvm.options}, blank: the JVM's defaults),
 * {@code benchmark.jfr=true} (a JFR recording of the full server in {@code target/benchmark/full.jfr}; the log's
 * {@code WINDOW} lines give each workload's wall-clock window), {@code benchmark.only} (only the workloads whose name
 * contains one of its comma-separated parts, e.g. {@code create} or {@code ingest,transaction}),
 * {@code benchmark.breakdown=true} (per request of each workload's window: the CPU of the server, of PostgreSQL and of
 * the benchmark, and the database time and top statements of {@code pg_stat_statements}; {@link WindowBreakdown}). At the end the full server is restarted on its database: the start-to-readiness
 * time of a restart.
 */
class SideBySideBenchmark {

    private static final Logger log = LoggerFactory.getLogger(SideBySideBenchmark.class);
    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final String RECORD_PATIENT = "Patient/demo-knee-oa";
    private static final String LOINC = "http://loinc.org";
    private static final String HEART_RATE = "8867-4";
    private static final String TUG = "89423-8";
    private static final Pattern OBSERVATION_LOCATION =
            Pattern.compile("\"location\"\\s*:\\s*\"(Observation/[0-9]+)/_history");
    /** FHIR dateTime: seconds always (OffsetDateTime.toString drops zero seconds). */
    private static final java.time.format.DateTimeFormatter DATE_TIME =
            java.time.format.DateTimeFormatter.ofPattern("yyyy-MM-dd'T'HH:mm:ssXXX");

    private static final Pattern PATIENT_LOCATION = Pattern.compile("\"location\"\\s*:\\s*\"(Patient/[0-9]+)/_history");

    private final boolean quick = Boolean.getBoolean("benchmark.quick");
    private final int rounds = Integer.getInteger("benchmark.rounds", quick ? 2 : 4);
    private final Duration perRound = Duration.ofSeconds(Integer.getInteger("benchmark.seconds", quick ? 4 : 10));
    private final int bulk = Integer.getInteger("benchmark.bulk", quick ? 20_000 : 100_000);
    private final int recordObservations = Integer.getInteger("benchmark.recordObservations", 10_000);
    private final int sessionObservations = Integer.getInteger("benchmark.sessionObservations", 500);
    private WindowBreakdown breakdown;
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One server under test and the data the workloads use on it. */
    private static final class Target {
        final String name;
        final ServerProcess server;
        final boolean full;
        final List<String> observations = new CopyOnWriteArrayList<>();
        final List<String> searchPatients = new CopyOnWriteArrayList<>();
        final String jdbcUrl;
        String createPatient;
        String sessionPlan;
        String evaluatePlan;
        String sessionTransaction;
        double gcSecondsAtStart;
        long phaseStartNanos;

        Target(String name, ServerProcess server, boolean full, String jdbcUrl) {
            this.name = name;
            this.server = server;
            this.full = full;
            this.jdbcUrl = jdbcUrl;
        }
    }

    /** A workload: name, clients, resources per request, and the request a worker sends on a target. */
    private record Workload(String name, int clients, int unitsPerRequest, Function<Target, Load.Call> call) {}

    @Test
    void bareAgainstFull() throws Exception {
        Path work = Path.of("target", "benchmark").toAbsolutePath();
        PostgresTestDatabase db = PostgresTestDatabase.shared();
        KeycloakServer keycloak = KeycloakServer.shared();
        String suffix = Long.toString(System.currentTimeMillis() % 1_000_000);
        breakdown = new WindowBreakdown(db.jdbcUrl(), db.user(), db.password());
        String bareDb = db.createDatabase("bench_bare_" + suffix);
        String fullDb = db.createDatabase("bench_full_" + suffix);
        List<String> jvm = jvmOptions();
        List<String> fullJvm = new ArrayList<>(jvm);
        if (Boolean.getBoolean("benchmark.jfr")) {
            fullJvm.add("-XX:StartFlightRecording=filename=" + work.resolve("full.jfr")
                    + ",settings=profile,dumponexit=true");
        }
        List<String> common = List.of(
                "--spring.datasource.username=" + db.user(),
                "--spring.datasource.password=" + db.password(),
                "--rehab.demo-data.enabled=true",
                "--logging.level.root=WARN");
        List<String> bareArgs = new ArrayList<>(common);
        bareArgs.addAll(List.of(
                "--spring.datasource.url=" + bareDb,
                "--rehab.security.enabled=false",
                "--rehab.fhir.validate-requests=false",
                "--rehab.audit.enabled=false",
                "--rehab.audit.provenance-enabled=false",
                "--rehab.engine.pathway-hooks=false"));
        List<String> fullArgs = new ArrayList<>(common);
        fullArgs.addAll(List.of(
                "--spring.datasource.url=" + fullDb,
                "--rehab.security.issuer-uri=" + keycloak.issuerUri(),
                "--rehab.security.introspection.client-secret=" + TokenClient.FHIR_SERVER_SECRET));

        // one after the other, so that each start-to-readiness time is the server's alone
        try (ServerProcess bareServer = ServerProcess.start("bare", jvm, bareArgs, work);
                ServerProcess fullServer = ServerProcess.start("full", fullJvm, fullArgs, work)) {
            Target bare = new Target("bare", bareServer, false, bareDb);
            Target full = new Target("full", fullServer, true, fullDb);
            List<Target> targets = List.of(bare, full);
            log.info(
                    "BENCHMARK side by side: bare (pid {}) and full (pid {}) on {}, JVM options {}, {} rounds of {} s"
                            + " per workload and server",
                    bareServer.pid(),
                    fullServer.pid(),
                    db.backend(),
                    jvm,
                    rounds,
                    perRound.toSeconds());
            log.info(
                    "BENCHMARK start to readiness (one after the other, empty database: schema, catalogue and demo data made at this start): bare {} ms, full {} ms",
                    bareServer.startup().toMillis(),
                    fullServer.startup().toMillis());

            for (Target t : targets) {
                setUp(t);
            }
            Map<String, Map<String, Load.Sample>> seeded = new LinkedHashMap<>();
            seeded.put(ingestName("record patient", 200), ingestRecordPatient(targets));
            seedSessionPlans(targets);

            List<Workload> workloads = workloads();
            for (Workload w : workloads) {
                for (Target t : targets) {
                    Load.forDuration(
                            http,
                            w.clients(),
                            Duration.ofSeconds(quick ? 1 : 3),
                            w.call().apply(t),
                            new Load.Sample(1),
                            "warm-up " + w.name() + " " + t.name);
                }
            }
            report(
                    "as seeded (demo data + " + recordObservations + " Observations of " + RECORD_PATIENT + ")",
                    targets,
                    measure(targets, workloads),
                    seeded);

            if (bulk > 0) {
                Map<String, Map<String, Load.Sample>> filled = new LinkedHashMap<>();
                filled.put(ingestName("bulk fill, 1 Patient + 199 Observations", 200), bulkFill(targets));
                report(
                        "after the bulk fill (+" + bulk + " Observations)",
                        targets,
                        measure(targets, workloads),
                        filled);
            }
        }
        breakdown.hold(List.of(bareDb, fullDb));
        // a restart on the database as the run left it (schema made, catalogue and demo data stored): what a
        // deployment's rolling restart waits for
        List<String> restartJvm = new ArrayList<>(jvm);
        if (Boolean.getBoolean("benchmark.jfr")) {
            restartJvm.add("-XX:StartFlightRecording=filename=" + work.resolve("full-restart.jfr")
                    + ",settings=profile,dumponexit=true");
        }
        List<String> restartArgs = new ArrayList<>(fullArgs);
        restartArgs.remove("--logging.level.root=WARN"); // the start's own timing lines
        try (ServerProcess again = ServerProcess.start("full-restart", restartJvm, restartArgs, work)) {
            log.info(
                    "BENCHMARK start to readiness of the full server on its filled database (a restart): {} ms",
                    again.startup().toMillis());
        }
    }

    private static String ingestName(String what, int entries) {
        return "ingest " + entries + " entries (" + what + "), 4 cl";
    }

    /** {@code benchmark.jvm} (blank: the JVM's defaults), else the servers' argument file of the repository. */
    private static List<String> jvmOptions() {
        String configured = System.getProperty("benchmark.jvm");
        if (configured == null) {
            return List.of("@" + KeycloakSettings.repositoryRoot().resolve("deploy/jvm/server.jvm.options"));
        }
        return configured.isBlank()
                ? List.of()
                : Arrays.asList(configured.trim().split("\\s+"));
    }

    // --- set-up -----------------------------------------------------------------------------------------------

    private void setUp(Target t) {
        IGenericClient ehr = client(t, Tokens::ehr);
        IGenericClient alice = client(t, () -> Tokens.user("alice"));
        t.createPatient = ehr.create()
                .resource(TestData.patient(TestData.uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        t.searchPatients.add(RECORD_PATIENT);
        if (t.full) {
            alice.create().resource(Pathway.passingScreen(RECORD_PATIENT)).execute();
        }
        t.sessionPlan = activePlan(t, alice);
        t.evaluatePlan = activePlan(t, alice);
    }

    /** An active knee plan of the record patient: $apply, saved, activated (bare: stored active, no hooks there). */
    private String activePlan(Target t, IGenericClient alice) {
        CarePlan draft = Pathway.apply(alice, Pathway.KNEE_OA, RECORD_PATIENT, 14);
        if (t.full) {
            String id = Pathway.save(alice, draft);
            Pathway.activate(alice, id, null, null);
            return id;
        }
        draft.setStatus(CarePlan.CarePlanStatus.ACTIVE);
        return Pathway.save(alice, draft);
    }

    /** The record patient's 10,000 Observations (heart rates every two hours, a TUG now and then), 200 per bundle. */
    private Map<String, Load.Sample> ingestRecordPatient(List<Target> targets) {
        int bundles = Math.max(1, recordObservations / 200);
        Map<String, Load.Sample> samples = new LinkedHashMap<>();
        for (Target t : targets) {
            Load.Sample sample = new Load.Sample(200);
            Load.requests(
                    http,
                    4,
                    bundles,
                    (w, i) -> post(t.server.baseUrl(), Tokens.ehr(), recordBundle((int) i)),
                    sample,
                    "record patient " + t.name,
                    body -> addLocations(t, body));
            samples.put(t.name, sample);
            assertThat(sample.errors())
                    .as("seeding the record patient on %s (see the WARN line)", t.name)
                    .isZero();
            log.info(
                    "BENCHMARK seeded {} Observations of {} on {} in {} bundles",
                    sample.count() * 200,
                    RECORD_PATIENT,
                    t.name,
                    sample.count());
        }
        return samples;
    }

    private String recordBundle(int bundle) {
        StringBuilder b = transactionStart();
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        for (int k = 0; k < 200; k++) {
            int n = bundle * 200 + k;
            OffsetDateTime at = now.minusHours(2L * n + 1);
            entry(
                    b,
                    uuid(),
                    n % 10 == 9
                            ? observation(RECORD_PATIENT, TUG, "Timed up and go", 9 + n % 7, "s", at, "exam", null)
                            : observation(
                                    RECORD_PATIENT,
                                    HEART_RATE,
                                    "Heart rate",
                                    60 + n % 50,
                                    "/min",
                                    at,
                                    "vital-signs",
                                    null));
        }
        return transactionEnd(b);
    }

    /**
     * The session plan gets one real session (full: {@code $record-session}); its Observations are the bare server's
     * equivalent request (a transaction of the same resources). The evaluation plan gets {@code sessionObservations}
     * session Observations of past days, posted directly (as an EHR or device may).
     */
    private void seedSessionPlans(List<Target> targets) {
        Target full = targets.stream().filter(t -> t.full).findFirst().orElseThrow();
        IGenericClient alice = client(full, () -> Tokens.user("alice"));
        Bundle recorded = alice.operation()
                .onInstance(new IdType(full.sessionPlan))
                .named("$record-session")
                .withParameters(Pathway.session(0, 3, 2, null))
                .returnResourceType(Bundle.class)
                .execute();
        List<Observation> session = recorded.getEntry().stream()
                .map(e -> (Observation) e.getResource())
                .toList();
        log.info("BENCHMARK one $record-session writes {} Observations", session.size());
        for (Target t : targets) {
            t.sessionTransaction = sessionTransaction(session, t.sessionPlan, 0);
            int perSession = Math.max(1, session.size());
            int sessions = Math.max(1, sessionObservations / perSession);
            for (int day = 1; day <= sessions; day++) {
                String body = sessionTransaction(session, t.evaluatePlan, day);
                Load.requests(
                        http,
                        1,
                        1,
                        (w, i) -> post(t.server.baseUrl(), Tokens.ehr(), body),
                        new Load.Sample(1),
                        "session history " + t.name);
            }
            log.info("BENCHMARK {}: {} has {} session Observations", t.name, t.evaluatePlan, sessions * perSession);
        }
    }

    /** The session's Observations as a transaction about {@code plan}, {@code daysAgo} days earlier. */
    private static String sessionTransaction(List<Observation> session, String plan, int daysAgo) {
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Observation stored : session) {
            Observation o = stored.copy();
            o.setId((String) null);
            o.setMeta(null);
            o.setBasedOn(List.of(new Reference(plan)));
            if (o.hasEffectiveDateTimeType() && daysAgo > 0) {
                o.setEffective(new org.hl7.fhir.r4.model.DateTimeType(java.util.Date.from(
                        o.getEffectiveDateTimeType().getValue().toInstant().minus(daysAgo, ChronoUnit.DAYS))));
            }
            tx.addEntry()
                    .setFullUrl(uuid())
                    .setResource(o)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        return FHIR.newJsonParser().encodeResourceToString(tx);
    }

    /** About {@code bulk} Observations: bundles of 1 Patient + 199 Observations, 4 clients, interleaved in slices. */
    private Map<String, Load.Sample> bulkFill(List<Target> targets) {
        int bundles = Math.max(1, bulk / 199);
        int slice = Math.max(1, bundles / 10);
        Map<String, Load.Sample> samples = new LinkedHashMap<>();
        targets.forEach(t -> samples.put(t.name, new Load.Sample(200)));
        for (int done = 0; done < bundles; done += slice) {
            int from = done;
            int count = Math.min(slice, bundles - done);
            for (Target t : order(targets, done / slice)) {
                Load.requests(
                        http,
                        4,
                        count,
                        (w, i) -> post(t.server.baseUrl(), Tokens.ehr(), bulkBundle(from + (int) i)),
                        samples.get(t.name),
                        "bulk " + t.name,
                        body -> {
                            Matcher p = PATIENT_LOCATION.matcher(body);
                            if (p.find() && t.searchPatients.size() < 200) {
                                t.searchPatients.add(p.group(1));
                            }
                            if (t.observations.size() < 20_000) {
                                addLocations(t, body);
                            }
                        });
            }
        }
        return samples;
    }

    private String bulkBundle(int bundle) {
        StringBuilder b = transactionStart();
        String patient = uuid();
        entry(
                b,
                patient,
                "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + TestData.MRN_SYSTEM
                        + "\",\"value\":\"BULK-" + bundle + "\"}],\"name\":[{\"family\":\"Bulk\",\"given\":[\"P"
                        + bundle
                        + "\"]}],\"birthDate\":\"" + (1940 + bundle % 60) + "-03-15\"}");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        for (int k = 0; k < 199; k++) {
            OffsetDateTime at = now.minusHours(44L * k + bundle % 24);
            entry(
                    b,
                    uuid(),
                    k % 5 == 4
                            ? observation(patient, TUG, "Timed up and go", 8 + k % 9, "s", at, "exam", null)
                            : observation(
                                    patient,
                                    HEART_RATE,
                                    "Heart rate",
                                    55 + (k + bundle) % 60,
                                    "/min",
                                    at,
                                    "vital-signs",
                                    null));
        }
        return transactionEnd(b);
    }

    // --- workloads --------------------------------------------------------------------------------------------

    /**
     * The workloads, or those whose name contains one of the comma-separated parts of {@code benchmark.only} (e.g.
     * "create" for a profile, "ingest,transaction,$record" for the writes of many resources).
     */
    private List<Workload> workloads() {
        List<String> only = List.of(System.getProperty("benchmark.only", "").split(","));
        return allWorkloads().stream()
                .filter(w -> only.stream().anyMatch(w.name()::contains))
                .toList();
    }

    private List<Workload> allWorkloads() {
        String since = LocalDate.now(ZoneOffset.UTC).minusDays(30).toString();
        return List.of(
                new Workload(
                        "create Observation, 1 cl",
                        1,
                        1,
                        t -> (w, i) -> post(
                                t.server.baseUrl() + "/Observation",
                                Tokens.ehr(),
                                observation(
                                        t.createPatient,
                                        HEART_RATE,
                                        "Heart rate",
                                        60 + i % 40,
                                        "/min",
                                        OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(i % 1000),
                                        "vital-signs",
                                        null))),
                new Workload(
                        "create Observation, 8 cl",
                        8,
                        1,
                        t -> (w, i) -> post(
                                t.server.baseUrl() + "/Observation",
                                Tokens.ehr(),
                                observation(
                                        t.createPatient,
                                        HEART_RATE,
                                        "Heart rate",
                                        60 + i % 40,
                                        "/min",
                                        OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(i % 1000),
                                        "vital-signs",
                                        null))),
                new Workload(
                        "transaction 1 Patient + 20 Obs, 4 cl",
                        4,
                        21,
                        t -> (w, i) -> post(t.server.baseUrl(), Tokens.ehr(), patientBundle(i))),
                new Workload(
                        "search Obs patient+code+date, 8 cl",
                        8,
                        1,
                        t -> (w, i) -> get(searchUrl(t, i, since), Tokens.ehr())),
                // The same search on HAPI's synchronous path (a client's Cache-Control: no-store): no HFJ_SEARCH rows,
                // no search task; compared with the line above, what HAPI's persisted search costs a first page
                new Workload(
                        "search Obs patient+code+date no-store, 8 cl",
                        8,
                        1,
                        t -> (w, i) -> noStore(get(searchUrl(t, i, since), Tokens.ehr()))),
                new Workload(
                        "read Observation, 8 cl",
                        8,
                        1,
                        t -> (w, i) -> get(
                                t.server.baseUrl() + "/"
                                        + t.observations.get((int) ((i * 7919) % t.observations.size())),
                                Tokens.ehr())),
                new Workload(
                        "$recommend-regimens 10k Obs, 1 cl",
                        1,
                        1,
                        t -> (w, i) -> get(
                                t.server.baseUrl() + "/" + RECORD_PATIENT + "/$recommend-regimens",
                                Tokens.user("alice"))),
                new Workload(
                        "$recommend-regimens 10k Obs, 8 cl",
                        8,
                        1,
                        t -> (w, i) -> get(
                                t.server.baseUrl() + "/" + RECORD_PATIENT + "/$recommend-regimens",
                                Tokens.user("alice"))),
                new Workload(
                        "$record-session (bare: its tx), 8 cl",
                        8,
                        1,
                        t -> (w, i) -> t.full
                                ? post(
                                        t.server.baseUrl() + "/" + t.sessionPlan + "/$record-session",
                                        Tokens.user("alice"),
                                        FHIR.newJsonParser().encodeResourceToString(Pathway.session(0, 3, 2, null)))
                                : post(t.server.baseUrl(), Tokens.user("alice"), t.sessionTransaction)),
                new Workload(
                        "$evaluate-progress 500 Obs, 8 cl",
                        8,
                        1,
                        t -> (w, i) -> get(
                                t.server.baseUrl() + "/" + t.evaluatePlan + "/$evaluate-progress",
                                Tokens.user("alice"))));
    }

    private static String patientBundle(long n) {
        StringBuilder b = transactionStart();
        String patient = uuid();
        entry(
                b,
                patient,
                "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"" + TestData.MRN_SYSTEM
                        + "\",\"value\":\"TX-" + n
                        + "\"}],\"name\":[{\"family\":\"Tx\",\"given\":[\"P\"]}],\"birthDate\":\"1950-01-01\"}");
        OffsetDateTime now = OffsetDateTime.now(ZoneOffset.UTC).truncatedTo(ChronoUnit.MINUTES);
        for (int k = 0; k < 20; k++) {
            entry(
                    b,
                    uuid(),
                    observation(
                            patient, HEART_RATE, "Heart rate", 60 + k, "/min", now.minusHours(k), "vital-signs", null));
        }
        return transactionEnd(b);
    }

    /** Rounds; in each, every workload on both servers, the order of the servers alternating. */
    private Map<String, Map<String, Load.Sample>> measure(List<Target> targets, List<Workload> workloads) {
        Map<String, Map<String, Load.Sample>> samples = new LinkedHashMap<>();
        for (Workload w : workloads) {
            Map<String, Load.Sample> byTarget = new LinkedHashMap<>();
            targets.forEach(t -> byTarget.put(t.name, new Load.Sample(w.unitsPerRequest())));
            samples.put(w.name(), byTarget);
        }
        for (Target t : targets) {
            t.gcSecondsAtStart = gcSeconds(t);
            t.phaseStartNanos = System.nanoTime();
        }
        for (int round = 0; round < rounds; round++) {
            int r = round;
            for (Workload w : workloads) {
                for (Target t : order(targets, r + workloads.indexOf(w))) {
                    java.time.Instant from = java.time.Instant.now();
                    Load.Sample sample = samples.get(w.name()).get(t.name);
                    int before = sample.count();
                    breakdown.reset(t.server.pid());
                    Load.forDuration(http, w.clients(), perRound, w.call().apply(t), sample, w.name() + " " + t.name);
                    breakdown.report(t.name, t.server.pid(), w.name(), t.jdbcUrl, sample.count() - before);
                    // for reading a profile by workload: the wall-clock window of each run
                    log.info("WINDOW {} | {} | {} | {}", t.name, w.name(), from, java.time.Instant.now());
                }
            }
            log.info("BENCHMARK round {} of {} done", round + 1, rounds);
        }
        return samples;
    }

    private static List<Target> order(List<Target> targets, int turn) {
        List<Target> ordered = new ArrayList<>(targets);
        if (turn % 2 == 1) {
            java.util.Collections.reverse(ordered);
        }
        return ordered;
    }

    // --- report -----------------------------------------------------------------------------------------------

    private void report(
            String phase,
            List<Target> targets,
            Map<String, Map<String, Load.Sample>> measured,
            Map<String, Map<String, Load.Sample>> ingest) {
        Map<String, Map<String, Load.Sample>> all = new LinkedHashMap<>(ingest);
        all.putAll(measured);
        log.info("BENCHMARK ==== {} ====", phase);
        log.info(String.format(
                Locale.ROOT,
                "BENCHMARK %-40s | %-36s | %-36s | %s",
                "workload",
                "bare: req/s (res/s)  p50 / p95 / p99 ms",
                "full: req/s (res/s)  p50 / p95 / p99 ms",
                "full/bare"));
        for (Map.Entry<String, Map<String, Load.Sample>> e : all.entrySet()) {
            Load.Sample bare = e.getValue().get("bare");
            Load.Sample full = e.getValue().get("full");
            log.info(String.format(
                    Locale.ROOT,
                    "BENCHMARK %-40s | %-36s | %-36s | %.2f",
                    e.getKey(),
                    cell(bare),
                    cell(full),
                    full.perSecond() / bare.perSecond()));
        }
        for (Target t : targets) {
            double heapUsed =
                    t.server.metric(http, Tokens.metricsScraper(), "jvm.memory.used?tag=area:heap") / (1 << 20);
            double heapMax = t.server.metric(http, Tokens.metricsScraper(), "jvm.memory.max?tag=area:heap") / (1 << 20);
            double gc = (gcSeconds(t) - t.gcSecondsAtStart) / ((System.nanoTime() - t.phaseStartNanos) / 1e9);
            long[] rss = t.server.residentMiB();
            log.info(String.format(
                    Locale.ROOT,
                    "BENCHMARK %s memory: heap used %.0f MiB of max %.0f MiB, GC pauses %.1f%% of the phase's time,"
                            + " RSS %d MiB (peak %d MiB)",
                    t.name,
                    heapUsed,
                    heapMax,
                    100 * gc,
                    rss[0],
                    rss[1]));
        }
    }

    private static String cell(Load.Sample s) {
        String rate = s.unitsPerRequest() > 1
                ? String.format(Locale.ROOT, "%7.1f (%6.0f)", s.perSecond(), s.unitsPerSecond())
                : String.format(Locale.ROOT, "%7.1f         ", s.perSecond());
        return String.format(
                Locale.ROOT,
                "%s %5.0f / %5.0f / %5.0f%s",
                rate,
                s.percentileMs(50),
                s.percentileMs(95),
                s.percentileMs(99),
                s.errors() > 0 ? " ERR " + s.errors() : "");
    }

    /** jvm.gc.pause's TOTAL_TIME, seconds since the server started. */
    private double gcSeconds(Target t) {
        try {
            HttpRequest request = HttpRequest.newBuilder(URI.create(t.server.actuatorUrl() + "/metrics/jvm.gc.pause"))
                    .header("Authorization", "Bearer " + Tokens.metricsScraper())
                    .build();
            String body = http.send(request, java.net.http.HttpResponse.BodyHandlers.ofString())
                    .body();
            Matcher m = Pattern.compile("\"TOTAL_TIME\"\\s*,\\s*\"value\"\\s*:\\s*([0-9.Ee+-]+)")
                    .matcher(body);
            return m.find() ? Double.parseDouble(m.group(1)) : 0;
        } catch (Exception e) {
            return 0;
        }
    }

    // --- requests and bodies ----------------------------------------------------------------------------------

    private static IGenericClient client(Target t, Supplier<String> token) {
        IGenericClient client = FhirClients.newClient(FHIR, t.server.baseUrl());
        client.registerInterceptor(new BearerTokenAuthInterceptor(token.get()));
        return client;
    }

    private static HttpRequest post(String url, String token, String json) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token)
                .header("Content-Type", "application/fhir+json")
                .header("Accept", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(json))
                .build();
    }

    private static HttpRequest get(String url, String token) {
        return HttpRequest.newBuilder(URI.create(url))
                .timeout(Duration.ofSeconds(120))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/fhir+json")
                .GET()
                .build();
    }

    /** The search workloads' request: heart rates of one of the search patients within the last 30 days. */
    private static String searchUrl(Target t, long i, String since) {
        return t.server.baseUrl()
                + "/Observation?patient="
                + t.searchPatients.get((int) (i % t.searchPatients.size()))
                + "&code=" + LOINC + "%7C" + HEART_RATE + "&date=ge" + since + "&_count=20";
    }

    private static HttpRequest noStore(HttpRequest request) {
        return HttpRequest.newBuilder(request, (name, value) -> true)
                .header(Constants.HEADER_CACHE_CONTROL, Constants.CACHE_CONTROL_NO_STORE)
                .build();
    }

    private static void addLocations(Target t, String transactionResponse) {
        Matcher m = OBSERVATION_LOCATION.matcher(transactionResponse);
        while (m.find()) {
            t.observations.add(m.group(1));
        }
    }

    private static String observation(
            String patient,
            String code,
            String display,
            double value,
            String unit,
            OffsetDateTime at,
            String category,
            String basedOn) {
        return "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"" + category + "\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"" + LOINC + "\",\"code\":\"" + code + "\",\"display\":\""
                + display
                + "\"}]},\"subject\":{\"reference\":\"" + patient + "\"},"
                + (basedOn == null ? "" : "\"basedOn\":[{\"reference\":\"" + basedOn + "\"}],")
                + "\"effectiveDateTime\":\"" + DATE_TIME.format(at) + "\",\"valueQuantity\":{\"value\":" + value
                + ",\"unit\":\"" + unit
                + "\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"" + unit + "\"}}";
    }

    private static String uuid() {
        return "urn:uuid:" + UUID.randomUUID();
    }

    private static StringBuilder transactionStart() {
        return new StringBuilder(64 * 1024).append("{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[");
    }

    private static void entry(StringBuilder b, String fullUrl, String resource) {
        if (b.charAt(b.length() - 1) == '}') {
            b.append(',');
        }
        String type = resource.substring(17, resource.indexOf('"', 17));
        b.append("{\"fullUrl\":\"")
                .append(fullUrl)
                .append("\",\"resource\":")
                .append(resource)
                .append(",\"request\":{\"method\":\"POST\",\"url\":\"")
                .append(type)
                .append("\"}}");
    }

    private static String transactionEnd(StringBuilder b) {
        String json = b.append("]}").toString();
        assertThat(json).startsWith("{");
        return json;
    }
}
