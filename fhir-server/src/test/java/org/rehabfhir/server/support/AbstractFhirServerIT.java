package org.rehabfhir.server.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import org.junit.jupiter.api.BeforeEach;
import org.rehabfhir.server.RehabFhirApplication;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the HTTP integration tests: one running server (Spring caches the context across test classes) on the
 * shared test PostgreSQL, reached over HTTP with HAPI's generic client.
 */
@AutoConfigureObservability(tracing = false)
@SpringBootTest(classes = RehabFhirApplication.class, webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT)
public abstract class AbstractFhirServerIT {

	protected static final FhirContext CLIENT_CONTEXT = FhirContext.forR4Cached();

	@LocalServerPort
	protected int port;

	protected IGenericClient client;

	@DynamicPropertySource
	static void database(DynamicPropertyRegistry registry) {
		PostgresTestDatabase db = PostgresTestDatabase.shared();
		registry.add("spring.datasource.url", db::jdbcUrl);
		registry.add("spring.datasource.username", db::user);
		registry.add("spring.datasource.password", db::password);
	}

	@BeforeEach
	void connectClient() {
		CLIENT_CONTEXT.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
		client = CLIENT_CONTEXT.newRestfulGenericClient(baseUrl());
	}

	protected String baseUrl() {
		return "http://localhost:" + port + "/fhir";
	}
}
