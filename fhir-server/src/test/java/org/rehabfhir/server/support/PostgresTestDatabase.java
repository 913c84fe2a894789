package org.rehabfhir.server.support;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.SQLException;
import java.sql.Statement;
import org.rehabfhir.devservices.LocalPostgres;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.testcontainers.DockerClientFactory;
import org.testcontainers.containers.PostgreSQLContainer;

/**
 * One real PostgreSQL for the whole test run, shared by every integration test. Two backends, same tests, same
 * PostgreSQL major version: Testcontainers' PostgreSQL module where a Docker engine answers (an integrator's
 * laptop or CI), the embedded PostgreSQL from Maven Central where none does (our machines and CI). Force one with
 * {@code -Drehab.test.postgres=embedded|testcontainers}. The log says which one ran.
 */
public final class PostgresTestDatabase {

    private static final Logger log = LoggerFactory.getLogger(PostgresTestDatabase.class);
    private static final String USER = "postgres";
    private static volatile PostgresTestDatabase instance;

    /**
     * {@code benchmark.breakdown=true}: the embedded PostgreSQL keeps statement statistics and logs slow plans, for
     * the benchmark's breakdown of each workload window ({@code WindowBreakdown}).
     */
    public static final boolean STATEMENT_STATISTICS = Boolean.getBoolean("benchmark.breakdown");

    private final String backend;
    private final String host;
    private final int port;
    private final String user;
    private final String password;
    private final String defaultDatabase;

    private PostgresTestDatabase(
            String backend, String host, int port, String user, String password, String defaultDatabase) {
        this.backend = backend;
        this.host = host;
        this.port = port;
        this.user = user;
        this.password = password;
        this.defaultDatabase = defaultDatabase;
    }

    public static PostgresTestDatabase shared() {
        if (instance == null) {
            synchronized (PostgresTestDatabase.class) {
                if (instance == null) {
                    instance = start();
                }
            }
        }
        return instance;
    }

    private static PostgresTestDatabase start() {
        String choice = System.getProperty("rehab.test.postgres", "auto");
        long started = System.nanoTime();
        PostgresTestDatabase db;
        if (choice.equals("testcontainers") || (choice.equals("auto") && dockerAvailable())) {
            String image = System.getProperty("postgres.test.image", "postgres:17.5");
            PostgreSQLContainer<?> container = new PostgreSQLContainer<>(image);
            container.start();
            Runtime.getRuntime().addShutdownHook(new Thread(container::stop, "stop-test-postgres"));
            db = new PostgresTestDatabase(
                    "Testcontainers (" + image + ")",
                    container.getHost(),
                    container.getFirstMappedPort(),
                    container.getUsername(),
                    container.getPassword(),
                    container.getDatabaseName());
        } else {
            try {
                // throw-away test data: fsync and synchronous_commit off for speed (logged below as such)
                EmbeddedPostgres.Builder builder =
                        LocalPostgres.Durability.FAST_UNSAFE.apply(EmbeddedPostgres.builder());
                if (STATEMENT_STATISTICS) {
                    // the benchmark's statement statistics (SideBySideBenchmark, WindowBreakdown)
                    // and the plan of each statement slower than 10 ms in the database's log (auto_explain)
                    builder.setServerConfig("shared_preload_libraries", "pg_stat_statements,auto_explain")
                            .setServerConfig("pg_stat_statements.track_planning", "on")
                            .setServerConfig("auto_explain.log_min_duration", "10ms")
                            .setServerConfig("auto_explain.log_format", "text")
                            .setServerConfig("logging_collector", "on")
                            .setServerConfig(
                                    "log_directory",
                                    Path.of("target", "postgres-log")
                                            .toAbsolutePath()
                                            .toString());
                }
                EmbeddedPostgres postgres = builder.start();
                Runtime.getRuntime().addShutdownHook(new Thread(() -> closeQuietly(postgres), "stop-test-postgres"));
                db = new PostgresTestDatabase(
                        "embedded (io.zonky.test)", "localhost", postgres.getPort(), USER, "", "postgres");
            } catch (IOException e) {
                throw new IllegalStateException("Could not start the embedded PostgreSQL for the tests", e);
            }
        }
        log.info(
                "Test PostgreSQL backend: {} at {}:{}, {} , started in {} ms",
                db.backend,
                db.host,
                db.port,
                db.serverVersion(),
                (System.nanoTime() - started) / 1_000_000);
        (db.backend.startsWith("embedded") ? LocalPostgres.Durability.FAST_UNSAFE : LocalPostgres.Durability.DURABLE)
                .logSettings("Test PostgreSQL", db.jdbcUrl(), db.user, db.password);
        return db;
    }

    private static boolean dockerAvailable() {
        try {
            return DockerClientFactory.instance().isDockerAvailable();
        } catch (RuntimeException e) {
            return false;
        }
    }

    private static void closeQuietly(EmbeddedPostgres postgres) {
        try {
            postgres.close();
        } catch (IOException e) {
            log.warn("Embedded PostgreSQL did not stop cleanly: {}", e.getMessage());
        }
    }

    /** Points the server under test at the shared database. */
    public static void registerDataSource(DynamicPropertyRegistry registry) {
        PostgresTestDatabase db = shared();
        registry.add("spring.datasource.url", db::jdbcUrl);
        registry.add("spring.datasource.username", db::user);
        registry.add("spring.datasource.password", db::password);
        // At JVM exit the database and the servers stop side by side; a background job still asking for a
        // connection then gives up after 5 s instead of Hikari's 30 s, so the test JVM exits promptly.
        registry.add("spring.datasource.hikari.connection-timeout", () -> "5000");
    }

    public String backend() {
        return backend;
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://" + host + ":" + port + "/" + database;
    }

    public String jdbcUrl() {
        return jdbcUrl(defaultDatabase);
    }

    public String user() {
        return user;
    }

    public String password() {
        return password;
    }

    /** Creates a fresh, empty database on the shared server and returns its JDBC URL. */
    public String createDatabase(String name) {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), user, password);
                Statement statement = connection.createStatement()) {
            statement.execute("CREATE DATABASE " + name);
            return jdbcUrl(name);
        } catch (SQLException e) {
            throw new IllegalStateException("Could not create test database " + name, e);
        }
    }

    private String serverVersion() {
        try (Connection connection = DriverManager.getConnection(jdbcUrl(), user, password)) {
            return "PostgreSQL " + connection.getMetaData().getDatabaseProductVersion();
        } catch (SQLException e) {
            return "version unknown (" + e.getMessage() + ")";
        }
    }
}
