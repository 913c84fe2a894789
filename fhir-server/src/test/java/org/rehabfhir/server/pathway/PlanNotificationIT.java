package org.rehabfhir.server.pathway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;
import static org.rehabfhir.server.pathway.Pathway.*;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.sun.net.httpserver.HttpServer;
import java.io.IOException;
import java.io.InputStream;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.concurrent.CopyOnWriteArrayList;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The EHR subscribes to plan activations (R4 REST hook) with a receiver on loopback (the test profile allows it; the
 * production default refuses loopback endpoints); a physiotherapist activates a plan through the care pathway; the
 * receiver is told within 5 s, with the id-only payload, and the delivery is audited.
 */
class PlanNotificationIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(PlanNotificationIT.class);

    /** One request the receiver got. */
    record Received(String method, String path, String body, long nanos) {}

    private final List<Received> received = new CopyOnWriteArrayList<>();
    private final List<String> subscriptions = new CopyOnWriteArrayList<>();
    private HttpServer receiver;

    @Autowired
    private JdbcTemplate jdbc;

    @BeforeEach
    void startReceiver() throws IOException {
        receiver = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        receiver.createContext("/", exchange -> {
            try (InputStream in = exchange.getRequestBody()) {
                received.add(new Received(
                        exchange.getRequestMethod(),
                        exchange.getRequestURI().getPath(),
                        new String(in.readAllBytes(), StandardCharsets.UTF_8),
                        System.nanoTime()));
            }
            exchange.sendResponseHeaders(200, -1);
            exchange.close();
        });
        receiver.start();
    }

    @AfterEach
    void stopReceiverAndSubscriptions() {
        // the test database is shared by the whole run: no subscription of this test may outlive it
        IGenericClient ehr = ehr();
        for (String id : subscriptions) {
            Subscription s = ehr.read().resource(Subscription.class).withId(id).execute();
            s.setStatus(Subscription.SubscriptionStatus.OFF);
            ehr.update().resource(s).execute();
        }
        receiver.stop(0);
    }

    private String endpoint() {
        return "http://127.0.0.1:" + receiver.getAddress().getPort() + "/notify";
    }

    private static Subscription restHook(String criteria, String endpoint) {
        Subscription s = new Subscription();
        s.setStatus(Subscription.SubscriptionStatus.REQUESTED);
        s.setReason("Rehabilitation plan changes for the EHR");
        s.setCriteria(criteria);
        s.getChannel()
                .setType(Subscription.SubscriptionChannelType.RESTHOOK)
                .setEndpoint(endpoint)
                .setPayload("application/fhir+json");
        return s;
    }

    private String subscribe(IGenericClient ehr, String criteria) {
        String id = ehr.create()
                .resource(restHook(criteria, endpoint()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        subscriptions.add(id);
        // HAPI activates a requested Subscription in the background
        await().atMost(Duration.ofSeconds(10))
                .pollInterval(Duration.ofMillis(100))
                .until(() -> ehr.read()
                                .resource(Subscription.class)
                                .withId(id)
                                .execute()
                                .getStatus()
                        == Subscription.SubscriptionStatus.ACTIVE);
        return id;
    }

    @Test
    void theEhrIsToldOfAnActivationWithinFiveSecondsAndTheDeliveryIsAudited() {
        IGenericClient ehr = ehr();
        IGenericClient alice = physio();
        String subscription = subscribe(ehr, "CarePlan?status=active");

        Referral referral = refer(ehr, TestData.kneeOsteoarthritis("Patient/x"), "Organization/demo-physio-dept");
        alice.create().resource(passingScreen(referral.patient())).execute();
        String plan = save(alice, apply(alice, KNEE_OA, referral.patient(), 0));
        assertThat(received).as("nothing is sent for a draft").isEmpty();

        long activated = System.nanoTime();
        activate(alice, plan, null, null);
        String expectedPath = "/notify/" + plan;
        Received notification = await().atMost(Duration.ofSeconds(5))
                .pollInterval(Duration.ofMillis(20))
                .until(
                        () -> received.stream()
                                .filter(r -> r.path().equals(expectedPath))
                                .findFirst()
                                .orElse(null),
                        r -> r != null);
        log.info(
                "BENCHMARK subscription notification after $activate: {} ms",
                Duration.ofNanos(notification.nanos() - activated).toMillis());

        assertThat(notification.method()).isEqualTo("PUT");
        CarePlan body = CLIENT_CONTEXT.newJsonParser().parseResource(CarePlan.class, notification.body());
        assertThat(body.getIdElement().getIdPart()).isEqualTo(new IdType(plan).getIdPart());
        assertThat(body.getMeta().getTag()).anyMatch(t -> "SUBSETTED".equals(t.getCode()));
        assertThat(body.hasSubject()).as("id-only: no clinical content").isFalse();
        assertThat(body.hasActivity()).isFalse();

        List<Map<String, Object>> audited = await().atMost(Duration.ofSeconds(5))
                .until(
                        () -> jdbc.queryForList(
                                "SELECT * FROM rehab_audit_event WHERE operation = 'subscription-notification'"
                                        + " AND ? = ANY(resource_refs) AND ? = ANY(resource_refs)",
                                plan,
                                subscription),
                        rows -> !rows.isEmpty());
        Map<String, Object> row = audited.get(0);
        assertThat(row.get("http_status")).isEqualTo(200);
        assertThat(row.get("request_path")).isEqualTo(endpoint());
        assertThat(String.valueOf(row.get("event_json"))).contains(referral.patient());
    }

    @Test
    void aSubscriptionToAnUnlistedEndpointIs422AndNotStored() {
        IGenericClient ehr = ehr();
        int before = count(ehr, "Subscription");
        Refusal refusal = refused(() -> ehr.create()
                .resource(restHook("CarePlan?status=active", "https://receiver.example.org/notify"))
                .execute());
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("https://receiver.example.org/notify");
        assertThat(count(ehr, "Subscription")).isEqualTo(before);
    }

    @Test
    void aSubscriptionOnATypeOutsideTheNotificationsIs422() {
        Refusal refusal = refused(
                () -> ehr().create().resource(restHook("Patient?", endpoint())).execute());
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("CarePlan", "Observation");
    }

    @Test
    void personsMayNotSubscribe() {
        assertThat(refused(() -> physio().create()
                                .resource(restHook("CarePlan?status=active", endpoint()))
                                .execute())
                        .status())
                .isEqualTo(403);
        assertThat(refused(() -> auditor().search().byUrl("Subscription").execute())
                        .status())
                .isEqualTo(403);
    }
}
