package org.rehabfhir.server.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import org.hl7.fhir.instance.model.api.IIdType;
import org.junit.jupiter.api.BeforeEach;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.RehabFhirApplication;
import org.springframework.boot.test.autoconfigure.actuate.observability.AutoConfigureObservability;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.boot.test.web.server.LocalServerPort;
import org.springframework.test.context.DynamicPropertyRegistry;
import org.springframework.test.context.DynamicPropertySource;
import org.springframework.test.context.TestPropertySource;

/**
 * Base of the HTTP integration tests of the layers below access narrowing (storage, validation, roles and scopes,
 * audit): CareTeam narrowing is switched OFF here on purpose (production has it on; the narrowing and care-pathway
 * tests extend {@code AbstractCareTeamNarrowingIT}). Otherwise: one running server (Spring caches the context across test classes) on the
 * shared test PostgreSQL, trusting the shared real Keycloak, reached over HTTP with HAPI's generic client carrying
 * a Keycloak access token of one of the demo callers. The demo data (patients demo-knee-oa, demo-stroke,
 * demo-parkinsons) and the regimen catalogue are loaded at start.
 */
@AutoConfigureObservability(tracing = false)
@SpringBootTest(
        classes = RehabFhirApplication.class,
        webEnvironment = SpringBootTest.WebEnvironment.RANDOM_PORT,
        properties = {
            "rehab.demo-data.enabled=true",
            // the tests' own client is recorded singly (tests check single 401 events); AnonymousAuditFloodIT floods
            // from 127.0.0.2
            "rehab.audit.anonymous-failures.exempt-sources=127.0.0.1,0:0:0:0:0:0:0:1",
            // REST-hook receivers of the tests listen on loopback (production refuses loopback endpoints)
            "rehab.subscriptions.allowed-endpoints=http://127.0.0.1:",
            "rehab.subscriptions.allow-loopback=true",
            "rehab.subscriptions.retry.initial-interval=200ms",
            "rehab.subscriptions.retry.timeout=5s",
            "rehab.cds.clinician-app-url=https://rehab.example-hospital.org/",
            "rehab.bulk-export.job-step-interval=1s",
            // a test fixture with US Core's Patient profile URL (src/test/resources/ig-packages/README.md)
            "rehab.fhir.validation.packages=classpath:/ig-packages/rehab.test.us-core-patient-0.1.0.tgz"
        })
// a @TestPropertySource (not @SpringBootTest's properties) so that a subclass's @TestPropertySource overrides it
@TestPropertySource(
        properties = {
            "rehab.security.care-team-narrowing=false",
            // records of more than 500 entries count as large (production: 2,000), so ConcurrentLargeRequestsIT's
            // records
            // are small and quick; IngestBenchmark sets the production value
            "rehab.security.limits.large-requests.min-entries=500"
        })
public abstract class AbstractFhirServerIT {

    protected static final FhirContext CLIENT_CONTEXT = FhirContext.forR4Cached();

    @LocalServerPort
    protected int port;

    /** The EHR system {@code ehr-demo-hospital}: Patient and Condition crus, Observation crs, CarePlan rs. */
    protected IGenericClient client;

    @DynamicPropertySource
    static void services(DynamicPropertyRegistry registry) {
        PostgresTestDatabase.registerDataSource(registry);
        registry.add("rehab.security.issuer-uri", () -> keycloak().issuerUri());
        // writes and audit reads are checked by token introspection (the realm's client rehab-fhir-server)
        registry.add("rehab.security.introspection.client-secret", () -> TokenClient.FHIR_SERVER_SECRET);
    }

    protected static KeycloakServer keycloak() {
        return KeycloakServer.shared();
    }

    @BeforeEach
    void connectClient() {
        client = ehr();
    }

    protected String baseUrl() {
        return "http://localhost:" + port + "/fhir";
    }

    /** As the EHR system (client credentials). */
    protected IGenericClient ehr() {
        return clientWithToken(Tokens.ehr());
    }

    /** As physiotherapist alice. */
    protected IGenericClient physio() {
        return clientWithToken(Tokens.user("alice"));
    }

    /** As auditor audrey. */
    protected IGenericClient auditor() {
        return clientWithToken(Tokens.user("audrey"));
    }

    protected IGenericClient anonymous() {
        return newClient();
    }

    protected IGenericClient clientWithToken(String accessToken) {
        IGenericClient client = newClient();
        client.registerInterceptor(new BearerTokenAuthInterceptor(accessToken));
        return client;
    }

    /** A new Patient with a unique MRN, created by the EHR client: its versionless id ({@code Patient/<id>}). */
    protected IIdType ehrPatient() {
        return ehr().create()
                .resource(TestData.patient(TestData.uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless();
    }

    private IGenericClient newClient() {
        return FhirClients.newClient(CLIENT_CONTEXT, baseUrl());
    }
}
