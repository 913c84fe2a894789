package org.rehabfhir.local;

import java.nio.file.Path;
import java.util.HashMap;
import java.util.Map;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.server.RehabFhirApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Development only: the whole system in one process tree. Starts PostgreSQL with its data under
 * {@code .local/pgdata} (kept across restarts), then the FHIR server with demo data.
 */
public final class LocalRehabFhir {

	private static final Logger log = LoggerFactory.getLogger(LocalRehabFhir.class);

	/** Local development credentials only; production passes its own through SPRING_DATASOURCE_*. */
	private static final String DB_NAME = "rehab";
	private static final String DB_USER = "rehab";
	private static final String DB_PASSWORD = "rehab-local-dev-only";

	private LocalRehabFhir() {}

	public static void main(String[] args) throws Exception {
		Path home = Path.of(System.getProperty("rehab.local.dir", ".local")).toAbsolutePath();
		int postgresPort = Integer.getInteger("rehab.local.postgres-port", 54329);

		LocalPostgres postgres = LocalPostgres.start(home.resolve("pgdata"), postgresPort);
		String jdbcUrl = postgres.ensureDatabase(DB_NAME, DB_USER, DB_PASSWORD);

		Map<String, Object> defaults = new HashMap<>();
		defaults.put("spring.datasource.url", jdbcUrl);
		defaults.put("spring.datasource.username", DB_USER);
		defaults.put("spring.datasource.password", DB_PASSWORD);
		defaults.put("rehab.demo-data.enabled", "true");

		SpringApplication application = new SpringApplication(RehabFhirApplication.class);
		application.setDefaultProperties(defaults);
		application.setRegisterShutdownHook(false);
		ConfigurableApplicationContext context = application.run(args);

		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			log.info("Stopping the FHIR server, then PostgreSQL");
			context.close();
			try {
				postgres.close();
			} catch (Exception e) {
				log.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
			}
		}, "local-shutdown"));
	}
}
