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
	 * Starts PostgreSQL on {@code port}, keeping its data in {@code dataDirectory} (created and initialised on the
	 * first start, reused afterwards).
	 */
	public static LocalPostgres start(Path dataDirectory, int port) throws IOException {
		Files.createDirectories(dataDirectory);
		boolean existing = Files.exists(dataDirectory.resolve("PG_VERSION"));
		long started = System.nanoTime();
		EmbeddedPostgres postgres = EmbeddedPostgres.builder()
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
		return new LocalPostgres(postgres, port);
	}

	/** Creates the database and its owner role if they do not exist yet, and returns the database's JDBC URL. */
	public String ensureDatabase(String database, String user, String password) throws SQLException {
		try (Connection connection = DriverManager.getConnection(jdbcUrl("postgres"), SUPERUSER, "")) {
			if (!exists(connection, "SELECT 1 FROM pg_roles WHERE rolname = ?", user)) {
				try (Statement statement = connection.createStatement()) {
					statement.execute("CREATE ROLE \"" + user + "\" LOGIN PASSWORD '" + password.replace("'", "''") + "'");
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
