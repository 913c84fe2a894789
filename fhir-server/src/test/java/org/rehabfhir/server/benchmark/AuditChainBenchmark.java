package org.rehabfhir.server.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import com.zaxxer.hikari.HikariConfig;
import com.zaxxer.hikari.HikariDataSource;
import java.io.IOException;
import java.net.InetAddress;
import java.net.ServerSocket;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import java.util.stream.Stream;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.audit.AuditAgent;
import org.rehabfhir.server.audit.AuditEntry;
import org.rehabfhir.server.audit.AuditStore;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The ceiling of the single audit hash chain (issue 11): every audited request appends one row under one PostgreSQL
 * advisory lock, across all server processes. On a PostgreSQL of its own with the durable settings production keeps
 * ({@code fsync}, {@code synchronous_commit} on), two server processes of the exec jar (the shared test Keycloak),
 * 16 clients, interleaved rounds: audited reads (one short append transaction each) and Observation creates (the
 * append inside the write's transaction, the lock held through its commit), on one server and spread over both; and
 * the chain alone, {@code AuditStore.append} from 16 JDBC threads (durable, and with {@code synchronous_commit} off
 * for that session, to show the share of the commit's WAL flush). Appends per second are counted in the table. The
 * chain is verified at the end. Prints lines starting with {@code BENCHMARK}.
 *
 * <pre>
 * flock /tmp/rehab-mvn.lock ./mvnw -pl fhir-server -am verify -Dit.test=AuditChainBenchmark -Dtest=none \
 *   -Dsurefire.failIfNoSpecifiedTests=false -Dfailsafe.failIfNoSpecifiedTests=false | grep BENCHMARK
 * </pre>
 * {@code -Dbenchmark.rounds=3} (rounds per workload), {@code -Dbenchmark.roundSeconds=10},
 * {@code -Dbenchmark.clients=16}. For the chain-alone rows, requests/s are the appends/s.
 */
class AuditChainBenchmark {

    private static final Logger log = LoggerFactory.getLogger(AuditChainBenchmark.class);
    private static final String USER = "rehab";
    private static final String PASSWORD = "rehab-chain-benchmark-DEV-ONLY";
    private static final Pattern ID = Pattern.compile("\"id\"\\s*:\\s*\"([^\"]+)\"");

    private final int rounds = Integer.getInteger("benchmark.rounds", 3);
    private final Duration round = Duration.ofSeconds(Integer.getInteger("benchmark.roundSeconds", 10));
    private final int clients = Integer.getInteger("benchmark.clients", 16);
    private final HttpClient http = HttpClient.newBuilder()
            .version(HttpClient.Version.HTTP_1_1)
            .connectTimeout(Duration.ofSeconds(5))
            .build();

    /** One workload: a name, the servers it spreads over (0: none, JDBC) and one round of it. */
    private record Workload(String name, int servers, Round round) {}

    /** One round: runs for {@code duration}, adds its latencies to {@code sample}. */
    private interface Round {
        void run(Duration duration, Load.Sample sample) throws Exception;
    }

    @Test
    void appendsPerSecondOfTheOneChain() throws Exception {
        Path work = Path.of("target", "audit-chain-benchmark").toAbsolutePath();
        deleteRecursively(work);
        Files.createDirectories(work);
        KeycloakServer keycloak = KeycloakServer.shared();
        try (LocalPostgres postgres =
                LocalPostgres.start(work.resolve("pgdata"), freePort(), LocalPostgres.Durability.DURABLE)) {
            String jdbcUrl = postgres.ensureDatabase("rehab", USER, PASSWORD);
            LocalPostgres.Durability.DURABLE.logSettings("Audit chain benchmark PostgreSQL", jdbcUrl, USER, PASSWORD);
            List<String> args = List.of(
                    "--spring.datasource.url=" + jdbcUrl,
                    "--spring.datasource.username=" + USER,
                    "--spring.datasource.password=" + PASSWORD,
                    "--rehab.security.issuer-uri=" + keycloak.issuerUri(),
                    "--rehab.security.introspection.client-secret=" + TokenClient.FHIR_SERVER_SECRET,
                    "--logging.level.root=WARN");
            List<String> jvm = List.of("-Xmx1g");
            try (ServerProcess a = ServerProcess.start("chain-a", jvm, args, work);
                    ServerProcess b = ServerProcess.start("chain-b", jvm, args, work);
                    HikariDataSource pool = pool(jdbcUrl, false);
                    HikariDataSource asyncCommitPool = pool(jdbcUrl, true)) {
                JdbcTemplate jdbc = new JdbcTemplate(pool);
                String patient = createPatient(a);
                List<ServerProcess> one = List.of(a);
                List<ServerProcess> both = List.of(a, b);
                List<Workload> workloads = List.of(
                        new Workload("audited read (GET Patient)", 1, (d, s) -> reads(one, patient, d, s)),
                        new Workload("audited read (GET Patient)", 2, (d, s) -> reads(both, patient, d, s)),
                        new Workload("Observation create", 1, (d, s) -> creates(one, patient, d, s)),
                        new Workload("Observation create", 2, (d, s) -> creates(both, patient, d, s)),
                        new Workload("chain alone: AuditStore.append, JDBC", 0, (d, s) -> appends(pool, d, s)),
                        new Workload(
                                "chain alone, synchronous_commit off (comparison)",
                                0,
                                (d, s) -> appends(asyncCommitPool, d, s)));
                Map<Workload, Load.Sample> samples = new LinkedHashMap<>();
                Map<Workload, long[]> appended = new LinkedHashMap<>();
                for (Workload w : workloads) {
                    w.round().run(Duration.ofSeconds(2), new Load.Sample(1)); // warm-up
                    samples.put(w, new Load.Sample(1));
                    appended.put(w, new long[2]); // rows, nanos
                }
                for (int r = 0; r < rounds; r++) {
                    for (Workload w : workloads) {
                        long rowsBefore = rows(jdbc);
                        long t0 = System.nanoTime();
                        w.round().run(round, samples.get(w));
                        long elapsed = System.nanoTime() - t0;
                        appended.get(w)[0] += rows(jdbc) - rowsBefore;
                        appended.get(w)[1] += elapsed;
                    }
                }
                AuditStore.ChainReport chain = new AuditStore(pool, FhirContext.forR4Cached()).verify();
                log.info(
                        "BENCHMARK audit chain: {} clients, {} rounds of {} s per workload, durable PostgreSQL ({}),"
                                + " servers -Xmx1g; chain {} after {} events",
                        clients,
                        rounds,
                        round.toSeconds(),
                        postgres.jdbcUrl("rehab"),
                        chain.intact() ? "intact" : "BROKEN at " + chain.firstBrokenSeq(),
                        chain.checked());
                log.info(String.format(
                        "BENCHMARK %-50s %7s %10s %10s %8s %8s %7s",
                        "workload", "servers", "requests/s", "appends/s", "p50 ms", "p95 ms", "errors"));
                for (Workload w : workloads) {
                    Load.Sample s = samples.get(w);
                    long[] ap = appended.get(w);
                    double appendsPerSecond = ap[0] / (ap[1] / 1e9);
                    log.info(String.format(
                            "BENCHMARK %-50s %7s %10.1f %10.1f %8.1f %8.1f %7d",
                            w.name(),
                            w.servers() == 0 ? "-" : Integer.toString(w.servers()),
                            w.servers() == 0 ? appendsPerSecond : s.perSecond(),
                            appendsPerSecond,
                            s.percentileMs(50),
                            s.percentileMs(95),
                            s.errors()));
                }
                assertThat(chain.intact()).as(chain.reason()).isTrue();
            }
        }
    }

    // ---------------------------------------------------------------------------------------------------- workloads

    private void reads(List<ServerProcess> servers, String patient, Duration duration, Load.Sample sample) {
        Load.forDuration(
                http,
                clients,
                duration,
                (worker, i) -> HttpRequest.newBuilder(
                                URI.create(servers.get(worker % servers.size()).baseUrl() + "/Patient/" + patient))
                        .header("Authorization", "Bearer " + Tokens.ehr())
                        .header("Accept", "application/fhir+json")
                        .timeout(Duration.ofSeconds(30))
                        .GET()
                        .build(),
                sample,
                "read on " + servers.size());
    }

    private void creates(List<ServerProcess> servers, String patient, Duration duration, Load.Sample sample) {
        String body = "{\"resourceType\":\"Observation\",\"status\":\"final\",\"category\":[{\"coding\":[{\"system\":"
                + "\"http://terminology.hl7.org/CodeSystem/observation-category\",\"code\":\"vital-signs\"}]}],"
                + "\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"8867-4\",\"display\":"
                + "\"Heart rate\"}]},\"subject\":{\"reference\":\"Patient/" + patient + "\"},"
                + "\"effectiveDateTime\":\"2026-05-04T10:00:00Z\",\"valueQuantity\":{\"value\":72,\"unit\":"
                + "\"/min\",\"system\":\"http://unitsofmeasure.org\",\"code\":\"/min\"}}";
        Load.forDuration(
                http,
                clients,
                duration,
                (worker, i) -> HttpRequest.newBuilder(
                                URI.create(servers.get(worker % servers.size()).baseUrl() + "/Observation"))
                        .header("Authorization", "Bearer " + Tokens.ehr())
                        .header("Content-Type", "application/fhir+json")
                        .header("Prefer", "return=minimal")
                        .timeout(Duration.ofSeconds(30))
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                sample,
                "create on " + servers.size());
    }

    /** The chain alone: {@code clients} threads appending read-like events through {@link AuditStore#append}. */
    private void appends(DataSource pool, Duration duration, Load.Sample sample) throws Exception {
        AuditStore store = new AuditStore(pool, FhirContext.forR4Cached());
        long deadline = System.nanoTime() + duration.toNanos();
        ExecutorService threads = Executors.newFixedThreadPool(clients);
        try {
            List<Future<?>> futures = new ArrayList<>();
            for (int c = 0; c < clients; c++) {
                futures.add(threads.submit(() -> {
                    while (System.nanoTime() < deadline) {
                        long t0 = System.nanoTime();
                        store.append(new AuditEntry(
                                Instant.now().truncatedTo(ChronoUnit.MILLIS), // as AuditEntryFactory records it
                                "read",
                                200,
                                "GET Patient/chain-benchmark: HTTP 200",
                                AuditAgent.ANONYMOUS,
                                "127.0.0.1",
                                List.of(),
                                List.of("Patient/chain-benchmark"),
                                List.of("Patient/chain-benchmark"),
                                "GET",
                                "Patient/chain-benchmark",
                                null,
                                null));
                        sample.add(System.nanoTime() - t0);
                    }
                    return null;
                }));
            }
            for (Future<?> f : futures) {
                f.get(duration.toSeconds() + 60, TimeUnit.SECONDS);
            }
        } finally {
            threads.shutdownNow();
        }
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private String createPatient(ServerProcess server) throws IOException, InterruptedException {
        String body = "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":"
                + "\"http://rehab-fhir.org/fhir/sid/chain-benchmark\",\"value\":\"" + UUID.randomUUID()
                + "\"}],\"active\":true,\"name\":[{\"family\":\"Chain\",\"given\":[\"Bench\"]}],\"gender\":\"female\"}";
        HttpResponse<String> created = http.send(
                HttpRequest.newBuilder(URI.create(server.baseUrl() + "/Patient"))
                        .header("Authorization", "Bearer " + Tokens.ehr())
                        .header("Content-Type", "application/fhir+json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        Matcher m = ID.matcher(created.body());
        assertThat(m.find()).isTrue();
        return m.group(1);
    }

    private static HikariDataSource pool(String jdbcUrl, boolean asyncCommit) {
        HikariConfig config = new HikariConfig();
        config.setJdbcUrl(jdbcUrl);
        config.setUsername(USER);
        config.setPassword(PASSWORD);
        config.setMaximumPoolSize(20);
        config.setPoolName(asyncCommit ? "chain-benchmark-async-commit" : "chain-benchmark");
        if (asyncCommit) {
            config.setConnectionInitSql("SET synchronous_commit = off");
        }
        return new HikariDataSource(config);
    }

    private static long rows(JdbcTemplate jdbc) {
        Long n = jdbc.queryForObject("SELECT count(*) FROM rehab_audit_event", Long.class);
        return n == null ? 0 : n;
    }

    private static int freePort() throws IOException {
        try (ServerSocket socket = new ServerSocket(0, 1, InetAddress.getLoopbackAddress())) {
            return socket.getLocalPort();
        }
    }

    private static void deleteRecursively(Path root) throws IOException {
        if (!Files.exists(root)) {
            return;
        }
        try (Stream<Path> paths = Files.walk(root)) {
            for (Path p : paths.sorted(Comparator.reverseOrder()).toList()) {
                Files.delete(p);
            }
        }
    }
}
