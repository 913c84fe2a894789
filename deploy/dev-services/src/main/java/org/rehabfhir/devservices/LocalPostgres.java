package org.rehabfhir.devservices;

import io.zonky.test.db.postgres.embedded.EmbeddedPostgres;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.sql.Connection;
import java.sql.DriverManager;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Statement;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Development only: a real PostgreSQL (the embedded distribution from Maven Central) whose data lives in a folder
 * that survives restarts. Stop the process, start it again: the data is still there.
 */
public final class LocalPostgres implements AutoCloseable {

    private static final Logger log = LoggerFactory.getLogger(LocalPostgres.class);
    public static final String SUPERUSER = "postgres";

    private final EmbeddedPostgres postgres;
    private final int port;

    private LocalPostgres(EmbeddedPostgres postgres, int port) {
        this.postgres = postgres;
        this.port = port;
    }

    /**
     * How the server treats a commit. The embedded distribution turns {@code fsync} off (its {@code -F}) and
     * {@code synchronous_commit} off by default, for test speed: then an acknowledged commit may be lost, and the
     * data directory corrupted, by a machine crash or power loss. Real data gets {@link #DURABLE}.
     */
    public enum Durability {
        /** {@code fsync=on}, {@code synchronous_commit=on}, {@code full_page_writes=on}: what production relies on. */
        DURABLE("on"),
        /** {@code fsync=off}, {@code synchronous_commit=off}: throw-away test data only (said in the log). */
        FAST_UNSAFE("off");

        private final String value;

        Durability(String value) {
            this.value = value;
        }

        /** Applied to the embedded PostgreSQL ({@code -c} settings come after its {@code -F}, so they win). */
        public EmbeddedPostgres.Builder apply(EmbeddedPostgres.Builder builder) {
            builder.setServerConfig("fsync", value).setServerConfig("synchronous_commit", value);
            return this == DURABLE ? builder.setServerConfig("full_page_writes", "on") : builder;
        }

        /** Logs the settings the server reports ({@code SHOW}), warning when commits are not durable. */
        public void logSettings(String what, String jdbcUrl, String user, String password) {
            try (Connection connection = DriverManager.getConnection(jdbcUrl, user, password);
                    Statement statement = connection.createStatement()) {
                String fsync = show(statement, "fsync");
                String synchronousCommit = show(statement, "synchronous_commit");
                String fullPageWrites = show(statement, "full_page_writes");
                if (this == DURABLE) {
                    log.info(
                            "{}: durable commits (fsync={}, synchronous_commit={}, full_page_writes={})",
                            what,
                            fsync,
                            synchronousCommit,
                            fullPageWrites);
                } else {
                    log.warn(
                            "{}: fsync={}, synchronous_commit={} FOR TEST SPEED ONLY: a crash can lose committed data;"
                                    + " never use this for real data",
                            what,
                            fsync,
                            synchronousCommit);
                }
            } catch (SQLException e) {
                log.warn("{}: could not read the durability settings: {}", what, e.getMessage());
            }
        }

        private static String show(Statement statement, String setting) throws SQLException {
            try (ResultSet rs = statement.executeQuery("SHOW " + setting)) {
                rs.next();
                return rs.getString(1);
            }
        }
    }

    /**
     * Starts PostgreSQL on {@code port} with durable commits ({@link Durability#DURABLE}), keeping its data in
     * {@code dataDirectory} (created and initialised on the first start, reused afterwards).
     */
    public static LocalPostgres start(Path dataDirectory, int port) throws IOException {
        return start(dataDirectory, port, Durability.DURABLE);
    }

    /** Starts PostgreSQL on {@code port} with the given durability, keeping its data in {@code dataDirectory}. */
    public static LocalPostgres start(Path dataDirectory, int port, Durability durability) throws IOException {
        Files.createDirectories(dataDirectory);
        boolean existing = Files.exists(dataDirectory.resolve("PG_VERSION"));
        long started = System.nanoTime();
        EmbeddedPostgres postgres = durability
                .apply(EmbeddedPostgres.builder())
                .setDataDirectory(dataDirectory)
                .setCleanDataDirectory(false)
                .setPort(port)
                .start();
        log.info(
                "PostgreSQL {} on localhost:{} with data in {} ({}), started in {} ms",
                postgres.getPort(),
                port,
                dataDirectory.toAbsolutePath(),
                existing ? "existing data" : "new data directory",
                (System.nanoTime() - started) / 1_000_000);
        LocalPostgres local = new LocalPostgres(postgres, port);
        durability.logSettings("PostgreSQL on localhost:" + port, local.jdbcUrl("postgres"), SUPERUSER, "");
        return local;
    }

    /** Creates the database and its owner role if they do not exist yet, and returns the database's JDBC URL. */
    public String ensureDatabase(String database, String user, String password) throws SQLException {
        try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, "")) {
            if (!exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute(
                            "CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + password.replace("'", "''") + "'");
                }
            }
            if (!exists(connection, "SELECT 1 FROM pg_database WHERE datname = ?", database)) {
                try (Statement statement = connection.createStatement()) {
                    statement.execute("CREATE DATABASE \"" + database + "\" OWNER \"" + user + "\"");
                }
                log.info("Created database {} owned by {}", database, user);
            }
        }
        return jdbcUrl(database);
    }

    private static boolean exists(Connection connection, String sql, String name) throws SQLException {
        try (PreparedStatement statement = connection.prepareStatement(sql)) {
            statement.setString(1, name);
            try (ResultSet rs = statement.executeQuery()) {
                return rs.next();
            }
        }
    }

    public String jdbcUrl(String database) {
        return "jdbc:postgresql://localhost:" + port + "/" + database;
    }

    public int port() {
        return port;
    }

    @Override
    public void close() throws IOException {
        postgres.close();
    }
}
