package org.rehabfhir.server.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import org.junit.jupiter.api.BeforeEach;
import org.rehabfhir.server.RehabFhirApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;

/**
 * Base of the storage integration tests: what the FHIR store does with a request (CRUD, history, search,
 * transactions, validation, errors) on the shared test PostgreSQL, over HTTP with HAPI's generic client.
 *
 * <p>These tests run on a server with {@code rehab.security.enabled=false} on purpose: they check storage
 * behaviour, which does not depend on who calls, and several of them need interactions that no single role is
 * granted (the brief gives nobody Goal search, for instance). Who may do what is tested against the secured
 * server with real Keycloak tokens ({@link AbstractFhirServerIT}).
 */
@SpringBootTest(
        classes = RehabFhirApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "rehab.security.enabled=false",
            // only one context of the test run delivers Subscriptions: they all poll HAPI's queue table of changes
            "rehab.subscriptions.enabled=false"
        })
public abstract class AbstractStorageIT {

    protected static final FhirContext CLIENT_CONTEXT = FhirContext.forR4Cached();

    @LocalServerPort
    protected int port;

    protected IGenericClient client;

    @DynamicPropertySource
    static void database(DynamicPropertyRegistry registry) {
        PostgresTestDatabase.registerDataSource(registry);
    }

    @BeforeEach
    void connectClient() {
        client = FhirClients.newClient(CLIENT_CONTEXT, baseUrl());
    }

    protected String baseUrl() {
        return "http://localhost:" + port + "/fhir";
    }
}
