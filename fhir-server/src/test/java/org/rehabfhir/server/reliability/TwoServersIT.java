package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.rehabfhir.server.reliability.ConcurrentRequests.*;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.interceptor.BearerTokenAuthInterceptor;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.CopyOnWriteArrayList;
import org.awaitility.core.ConditionTimeoutException;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.server.benchmark.ServerProcess;
import org.rehabfhir.server.bulk.BulkExportClient;
import org.rehabfhir.server.engine.CatalogueLoader;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.FhirClients;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Two servers, one database (the Kubernetes deployment runs 2 replicas): the shared test server (A) and a second
 * server process (B: the production exec jar, started once for this class, stopped at its end) on the same
 * PostgreSQL database and the same Keycloak. Over HTTP: both hold the regimen catalogue once; identical conditional
 * creates and transactions spread over both leave one resource each and every one of them is audited; the audit chain
 * both append to verifies through either; a client alternating between them sees its own writes; a Subscription
 * created through one notifies the writes through the other within {@code rehab.fhir.registry-refresh-interval}
 * (docs/operations.md, "Reliability: two servers"), each write exactly once although both hold the Subscription; a
 * Bulk Data export started on one completes once and is served by the other.
 */
class TwoServersIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(TwoServersIT.class);
    private static final int CLIENTS = 20;
    /** {@code rehab.fhir.registry-refresh-interval} (application.yaml). */
    private static final Duration REFRESH_INTERVAL = Duration.ofSeconds(5);
    /** {@code rehab.fhir.registry-refresh-interval} (5 s) plus HAPI's scheduling and a loaded machine's slack. */
    private static final Duration REGISTRY_BOUND = Duration.ofSeconds(30);

    /** Server B. */
    private static ServerProcess second;

    @Autowired
    private ProtocolCatalogue catalogue;

    @Autowired
    private RegistryRefresh registryRefresh;

    /**
     * Server B: the exec jar on the shared test database and Keycloak, with the settings the tests give server A
     * ({@code AbstractFhirServerIT}) except the demo data, which A loads.
     */
    @BeforeAll
    static void startTheSecondServer() {
        PostgresTestDatabase db = PostgresTestDatabase.shared();
        Path igPackage = Path.of("target", "test-classes", "ig-packages", "rehab.test.us-core-patient-0.1.0.tgz")
                .toAbsolutePath();
        second = ServerProcess.start(
                "second",
                List.of("-Xmx1g", "-XX:TieredStopAtLevel=1"),
                List.of(
                        "--spring.datasource.url=" + db.jdbcUrl(),
                        "--spring.datasource.username=" + db.user(),
                        "--spring.datasource.password=" + db.password(),
                        "--spring.datasource.hikari.connection-timeout=5000",
                        "--rehab.security.issuer-uri=" + KeycloakServer.shared().issuerUri(),
                        "--rehab.security.introspection.client-secret=" + TokenClient.FHIR_SERVER_SECRET,
                        "--rehab.security.care-team-narrowing=false",
                        "--rehab.security.limits.large-requests.min-entries=500",
                        "--rehab.audit.anonymous-failures.exempt-sources=127.0.0.1,0:0:0:0:0:0:0:1",
                        "--rehab.subscriptions.allowed-endpoints=http://127.0.0.1:",
                        "--rehab.subscriptions.allow-loopback=true",
                        "--rehab.subscriptions.retry.initial-interval=200ms",
                        "--rehab.subscriptions.retry.timeout=5s",
                        "--rehab.cds.clinician-app-url=https://rehab.example-hospital.org/",
                        "--rehab.bulk-export.job-step-interval=1s",
                        "--rehab.fhir.validation.packages=" + igPackage.toUri()),
                Path.of("target", "two-servers").toAbsolutePath());
    }

    @AfterAll
    static void stopTheSecondServer() {
        if (second != null) {
            second.close();
        }
    }

    /** A client of server B with {@code token}. */
    private static IGenericClient onSecond(String token) {
        IGenericClient client = FhirClients.newClient(CLIENT_CONTEXT, second.baseUrl());
        client.registerInterceptor(new BearerTokenAuthInterceptor(token));
        return client;
    }

    @Test
    void bothServersHoldEachCatalogueResourceOnce() throws IOException {
        List<MetadataResource> definitions = catalogue.allResources().stream()
                .filter(r -> r instanceof PlanDefinition || r instanceof ActivityDefinition)
                .map(r -> (MetadataResource) r)
                .toList();
        assertThat(definitions).isNotEmpty();
        for (IGenericClient server : List.of(physio(), onSecond(Tokens.user("alice")))) {
            int stored = 0;
            for (MetadataResource definition : definitions) {
                Bundle found = server.search()
                        .byUrl(definition.fhirType() + "?url=" + definition.getUrl())
                        .returnBundle(Bundle.class)
                        .execute();
                assertThat(found.getEntry())
                        .as(definition.fhirType() + " " + definition.getUrl())
                        .hasSize(1);
                assertThat(found.getEntryFirstRep().getResource().getIdElement().getIdPart())
                        .isEqualTo(CatalogueLoader.storedId(definition));
                stored += found.getEntry().size();
            }
            assertThat(stored).isEqualTo(definitions.size());
        }
        // the second server did load it at its start (under the advisory lock), it did not skip it
        assertThat(Files.readString(second.logFile())).contains("Regimen catalogue loaded");
    }

    @Test
    void twentyIdenticalConditionalCreatesOverBothServersLeaveOnePatientAndTwentyAuditEvents() throws Exception {
        String mrn = uniqueMrn();
        String body = json(patient(mrn));
        List<HttpResponse<String>> responses =
                atOnce(CLIENTS, Tokens.ehr(), i -> HttpRequest.newBuilder(URI.create(serverOf(i) + "/Patient"))
                        .header("Content-Type", "application/fhir+json")
                        .header("If-None-Exist", "identifier=" + MRN_SYSTEM + "|" + mrn)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        assertThat(responses)
                .extracting(HttpResponse::statusCode)
                .as(firstFailure(responses))
                .allMatch(s -> s == 200 || s == 201);
        assertThat(responses).filteredOn(r -> r.statusCode() == 201).hasSize(1);
        String patientId = onePatient(ehr(), mrn);
        assertThat(onePatient(onSecond(Tokens.ehr()), mrn)).isEqualTo(patientId);
        assertThat(responses)
                .extracting(r -> CLIENT_CONTEXT
                        .newJsonParser()
                        .parseResource(Patient.class, r.body())
                        .getIdElement()
                        .getIdPart())
                .as("every answer names the one patient")
                .containsOnly(patientId);
        List<AuditEvent> creates = auditEvents("Patient/" + patientId, "create");
        assertThat(creates)
                .as(summary(creates) + "\n" + "one AuditEvent per acknowledged create, from both servers")
                .hasSize(CLIENTS);
        assertTheChainIsIntactThroughBoth();
    }

    @Test
    void twentyIdenticalConditionalTransactionsOverBothServersLeaveOnePatientAndOneCondition() throws Exception {
        String mrn = uniqueMrn();
        String conditionId = UUID.randomUUID().toString();
        String bundle = conditionalTransaction(mrn, conditionId);
        List<HttpResponse<String>> responses =
                atOnce(CLIENTS, Tokens.ehr(), i -> HttpRequest.newBuilder(URI.create(serverOf(i)))
                        .header("Content-Type", "application/fhir+json")
                        .POST(HttpRequest.BodyPublishers.ofString(bundle, StandardCharsets.UTF_8)));
        assertThat(responses)
                .extracting(HttpResponse::statusCode)
                .as(firstFailure(responses))
                .containsOnly(200);
        String patientId = onePatient(ehr(), mrn);
        assertThat(onePatient(onSecond(Tokens.ehr()), mrn)).isEqualTo(patientId);
        for (IGenericClient server : List.of(ehr(), onSecond(Tokens.ehr()))) {
            Bundle conditions = server.search()
                    .forResource(Condition.class)
                    .where(Condition.IDENTIFIER.exactly().systemAndCode(CONDITION_SYSTEM, conditionId))
                    .returnBundle(Bundle.class)
                    .execute();
            assertThat(conditions.getEntry()).hasSize(1);
            assertThat(((Condition) conditions.getEntryFirstRep().getResource())
                            .getSubject()
                            .getReference())
                    .isEqualTo("Patient/" + patientId);
        }
        List<AuditEvent> transactions = auditEvents("Patient/" + patientId, "transaction");
        assertThat(transactions)
                .as(summary(transactions) + "\n" + "one AuditEvent per acknowledged transaction, from both servers")
                .hasSize(CLIENTS);
        assertTheChainIsIntactThroughBoth();
    }

    @Test
    void aClientAlternatingBetweenTheServersSeesItsOwnWrites() {
        IGenericClient a = ehr();
        IGenericClient b = onSecond(Tokens.ehr());
        String mrn = uniqueMrn();
        String id = "two-servers-" + UUID.randomUUID();

        // B is asked first, so a cached "not found" would show below
        assertThatThrownBy(() -> b.read().resource(Patient.class).withId(id).execute())
                .isInstanceOf(ResourceNotFoundException.class);
        Patient created = patient(mrn);
        created.setId(id);
        a.update().resource(created).execute();
        Patient onB = b.read().resource(Patient.class).withId(id).execute();
        assertThat(onB.getIdElement().getVersionIdPart()).isEqualTo("1");
        assertThat(onePatient(b, mrn)).isEqualTo(id);

        onB.setActive(false);
        b.update().resource(onB).execute();
        Patient onA = a.read().resource(Patient.class).withId(id).execute();
        assertThat(onA.getIdElement().getVersionIdPart()).isEqualTo("2");
        assertThat(onA.getActive()).isFalse();
        Bundle inactive = a.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(MRN_SYSTEM, mrn))
                .and(Patient.ACTIVE.exactly().code("false"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(inactive.getEntry()).hasSize(1);

        // a server-assigned id, made on B, read on A at once; an Observation on A found by B's search at once
        String other = b.create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        assertThat(a.read()
                        .resource(Patient.class)
                        .withUrl(other)
                        .execute()
                        .getIdElement()
                        .getIdPart())
                .isEqualTo(other.substring(other.indexOf('/') + 1));
        a.create()
                .resource(timedUpAndGo("Patient/" + id, 11.5, "2026-05-04T10:00:00Z"))
                .execute();
        a.create()
                .resource(timedUpAndGo("Patient/" + id, 10.5, "2026-05-11T10:00:00Z"))
                .execute();
        Bundle observations = b.search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId("Patient/" + id))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(observations.getEntry()).hasSize(2);

        // a search paged on A, its next page fetched from B (HAPI keeps the search's results in the database)
        Bundle first = a.search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId("Patient/" + id))
                .count(1)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(first.getLink(Bundle.LINK_NEXT)).isNotNull();
        Bundle next = b.loadPage()
                .byUrl(first.getLink(Bundle.LINK_NEXT).getUrl().replace(baseUrl(), second.baseUrl()))
                .andReturnBundle(Bundle.class)
                .execute();
        assertThat(next.getEntry()).hasSize(1);
        assertThat(next.getEntryFirstRep().getResource().getIdElement().getIdPart())
                .isNotEqualTo(
                        first.getEntryFirstRep().getResource().getIdElement().getIdPart());
    }

    @Test
    void aSubscriptionMadeThroughOneServerNotifiesWritesThroughTheOtherOnceEach() throws Exception {
        List<String> received = new CopyOnWriteArrayList<>();
        HttpServer receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                in.readAllBytes();
                received.add(exchange.getRequestURI().getPath());
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
        IGenericClient a = ehr();
        IGenericClient b = onSecond(Tokens.ehr());
        String patient = a.create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        Subscription subscription = new Subscription();
        subscription.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        subscription.setReason("Observations of one patient, for the two-server test");
        subscription.setCriteria("Observation?subject=" + patient);
        subscription
                .getChannel()
                .setType(Subscription.SubscriptionChannelType.RESTHOOK)
                .setEndpoint("http://127.0.0.1:" + receiver.getAddress().getPort() + "/notify")
                .setPayload("application/fhir+json");
        String subscriptionId = a.create()
                .resource(subscription)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        try {
            await().atMost(Duration.ofSeconds(10))
                    .pollInterval(Duration.ofMillis(100))
                    .until(() -> a.read()
                                    .resource(Subscription.class)
                                    .withId(subscriptionId)
                                    .execute()
                                    .getStatus()
                            == Subscription.SubscriptionStatus.ACTIVE);
            long active = System.nanoTime();
            // Server A is this JVM, where the cached Spring contexts of the test run share HAPI's Quartz scheduler
            // (one scheduler name per JVM): A's scheduled jobs may run with another context's beans. Refresh A here,
            // so that it knows the Subscription also when another process activated it. B refreshes itself.
            registryRefresh.refresh();

            // B learns of the Subscription from the database; until then its writes are not matched against it
            List<String> probes = new ArrayList<>();
            await().atMost(REGISTRY_BOUND).pollInterval(Duration.ofSeconds(1)).until(() -> {
                probes.add(observationId(b, patient));
                return probes.stream().anyMatch(p -> notified(received, p) > 0);
            });
            log.info(
                    "BENCHMARK a Subscription created through one server is applied to the other's writes after"
                            + " {} ms ({} probe writes)",
                    Duration.ofNanos(System.nanoTime() - active).toMillis(),
                    probes.size());

            // HAPI submits a stored write's matching message from a job that runs on every process (every 5 s), so
            // any process may match any write: once every process has refreshed (within twice the interval of
            // activation), every write through either server is notified, exactly once
            long settled = active + 2 * REFRESH_INTERVAL.toNanos() - System.nanoTime();
            if (settled > 0) {
                Thread.sleep(settled / 1_000_000);
            }
            List<String> writes = new ArrayList<>();
            for (int i = 0; i < 6; i++) {
                writes.add(observationId(i % 2 == 0 ? a : b, patient));
            }
            try {
                await().atMost(REGISTRY_BOUND)
                        .pollInterval(Duration.ofMillis(100))
                        .until(() -> writes.stream().allMatch(w -> notified(received, w) > 0));
            } catch (ConditionTimeoutException e) {
                // which ones, to tell a server that never matched from a late job
                throw new AssertionError(
                        "not notified within " + REGISTRY_BOUND + ": "
                                + writes.stream()
                                        .filter(w -> notified(received, w) == 0)
                                        .toList()
                                + " of " + writes + " (written through A and B alternately, A first)",
                        e);
            }
            Thread.sleep(3000); // a second delivery, by the other server, would come within this
            for (String w : writes) {
                assertThat(notified(received, w)).as("notifications of " + w).isEqualTo(1);
            }
        } finally {
            Subscription off =
                    a.read().resource(Subscription.class).withId(subscriptionId).execute();
            off.setStatus(Subscription.SubscriptionStatus.OFF);
            a.update().resource(off).execute();
            receiver.stop(0);
        }
    }

    @Test
    void aBulkExportStartedOnOneServerCompletesOnceAndIsServedByTheOther() throws Exception {
        IGenericClient b = onSecond(Tokens.ehr());
        Group cohort = new Group();
        cohort.setType(Group.GroupType.PERSON).setActual(true).setName("Two-server export cohort");
        for (int i = 0; i < 3; i++) {
            cohort.addMember()
                    .setEntity(new Reference(b.create()
                            .resource(patient(uniqueMrn()))
                            .execute()
                            .getId()
                            .toUnqualifiedVersionless()));
        }
        String group = b.create()
                .resource(cohort)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        String token = Tokens.ehr();
        String statusOnB = BulkExportClient.statusUrl(
                BulkExportClient.kickOff(token, second.baseUrl() + "/" + group + "/$export?_type=Patient"));
        String statusOnA = statusOnB.replace(second.baseUrl(), baseUrl());
        assertThat(statusOnA).startsWith(baseUrl());
        Map<String, Integer> counts =
                BulkExportClient.countPerType(token, BulkExportClient.completed(token, statusOnA));
        assertThat(counts).containsExactlyEntriesOf(Map.of("Patient", 3));
    }

    // ------------------------------------------------------------------------------------------------------ helpers

    private static String observationId(IGenericClient server, String patient) {
        return server.create()
                .resource(timedUpAndGo(patient, 12.0, "2026-05-04T10:00:00Z"))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    /** Notifications received for {@code Observation/id} (an id-only REST hook: PUT {endpoint}/Observation/id). */
    private static long notified(List<String> received, String observation) {
        return received.stream().filter(p -> p.endsWith("/" + observation)).count();
    }

    /** The base URL of the {@code i}-th of concurrent requests: alternately A and B. */
    private String serverOf(int i) {
        return i % 2 == 0 ? baseUrl() : second.baseUrl();
    }

    private static String onePatient(IGenericClient server, String mrn) {
        Bundle found = server.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).hasSize(1);
        return found.getEntryFirstRep().getResource().getIdElement().getIdPart();
    }

    /** The successful AuditEvents naming {@code reference} with the interaction {@code subtype}, as the auditor. */
    private List<AuditEvent> auditEvents(String reference, String subtype) {
        Bundle events = auditor()
                .search()
                .byUrl("AuditEvent?entity=" + reference + "&subtype=" + subtype + "&outcome=0&_count=200")
                .returnBundle(Bundle.class)
                .execute();
        return events.getEntry().stream().map(e -> (AuditEvent) e.getResource()).toList();
    }

    /** One line per event: id, time, outcome description, entities (for a failing count's message). */
    private static String summary(List<AuditEvent> events) {
        StringBuilder text = new StringBuilder();
        for (AuditEvent e : events) {
            text.append('\n')
                    .append(e.getIdElement().getIdPart())
                    .append(' ')
                    .append(e.getRecorded().toInstant())
                    .append(' ')
                    .append(e.getOutcomeDesc())
                    .append(' ')
                    .append(e.getEntity().stream()
                            .map(x -> x.getWhat().getReference())
                            .toList());
        }
        return text.toString();
    }

    private void assertTheChainIsIntactThroughBoth() {
        for (IGenericClient server : List.of(auditor(), onSecond(Tokens.user("audrey")))) {
            Parameters chain = server.operation()
                    .onType("AuditEvent")
                    .named("$verify-chain")
                    .withNoParameters(Parameters.class)
                    .useHttpGet()
                    .execute();
            assertThat(((BooleanType) chain.getParameter("intact").getValue()).booleanValue())
                    .isTrue();
        }
    }
}
