package org.rehabfhir.local;

import java.nio.file.Path;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.KeycloakSettings;
import org.rehabfhir.devservices.LocalPostgres;
import org.rehabfhir.server.RehabFhirApplication;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.SpringApplication;
import org.springframework.context.ConfigurableApplicationContext;

/**
 * Development only: the whole system in one process tree. Starts PostgreSQL with its data under
 * {@code .local/pgdata} (kept across restarts), Keycloak on port 8180 with the realm from {@code auth/realm}
 * (re-imported at every start), then the FHIR server with demo data on port 8080.
 */
public final class LocalRehabFhir {

	private static final Logger log = LoggerFactory.getLogger(LocalRehabFhir.class);

	/** Local development credentials only; production passes its own through SPRING_DATASOURCE_*. */
	private static final String DB_NAME = "rehab";
	private static final String DB_USER = "rehab";
	private static final String DB_PASSWORD = "rehab-local-dev-only";

	private LocalRehabFhir() {}

	private static void setIfAbsent(String key, String value) {
		if (System.getProperty(key) == null) {
			System.setProperty(key, value);
		}
	}

	public static void main(String[] args) throws Exception {
		Path home = Path.of(System.getProperty("rehab.local.dir", ".local")).toAbsolutePath();
		int postgresPort = Integer.getInteger("rehab.local.postgres-port", 54329);

		int keycloakPort = Integer.getInteger("keycloak.port", 8180);

		LocalPostgres postgres = LocalPostgres.start(home.resolve("pgdata"), postgresPort);
		String jdbcUrl = postgres.ensureDatabase(DB_NAME, DB_USER, DB_PASSWORD);
		KeycloakServer keycloak = KeycloakServer.start(KeycloakSettings.fromSystemProperties().withPort(keycloakPort));
		log.info("Keycloak {} ready at {} (realm rehab, issuer {})", KeycloakSettings.VERSION, keycloak.baseUrl(),
				keycloak.issuerUri());

		// System properties rank above application.yaml; a -D given on the command line still wins.
		setIfAbsent("spring.datasource.url", jdbcUrl);
		setIfAbsent("spring.datasource.username", DB_USER);
		setIfAbsent("spring.datasource.password", DB_PASSWORD);
		setIfAbsent("rehab.demo-data.enabled", "true");
		setIfAbsent("rehab.security.issuer-uri", keycloak.issuerUri());

		SpringApplication application = new SpringApplication(RehabFhirApplication.class);
		application.setRegisterShutdownHook(false);
		ConfigurableApplicationContext context = application.run(args);

		Runtime.getRuntime().addShutdownHook(new Thread(() -> {
			log.info("Stopping the FHIR server, then Keycloak and PostgreSQL");
			context.close();
			keycloak.close();
			try {
				postgres.close();
			} catch (Exception e) {
				log.warn("PostgreSQL did not stop cleanly: {}", e.getMessage());
			}
		}, "local-shutdown"));
	}
}
