package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.function.Supplier;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.auth.config.RehabSecurityProperties;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 11 (issue 10): a token whose user logged out, was disabled or deleted, or lost the role can no longer
 * write, though it has not expired: writes (and audit reads) are checked with Keycloak's token introspection. The
 * answer is the 401 of any bad token, with an OperationOutcome. Other reads keep the documented window (at most
 * the token's 300 s). A token whose user and session are fine writes as before. Each test uses its own throw-away
 * Keycloak user, never a demo user.
 */
class RevokedTokenIT extends AbstractFhirServerIT {

    private static final String PASSWORD = "revoked-DEV-ONLY-password-1";

    @Autowired
    private RehabSecurityProperties securityProperties;

    private String patient;
    private KeycloakAdmin admin;

    @BeforeEach
    void patientAndAdmin() throws Exception {
        HttpResponse<String> created = http().bearer(Tokens.ehr())
                .post("/fhir/Patient", RawHttp.FHIR_JSON, json(TestData.patient(TestData.uniqueMrn())))
                .send();
        assertThat(created.statusCode()).as(created.body()).isEqualTo(201);
        patient = "Patient/"
                + CLIENT_CONTEXT
                        .newJsonParser()
                        .parseResource(created.body())
                        .getIdElement()
                        .getIdPart();
        admin = KeycloakAdmin.of(keycloak());
    }

    @Test
    void afterLogoutTheTokenCanNoLongerWrite() throws Exception {
        Login login = physiotherapist();

        logout(login.tokens().refreshToken());

        assertRefusedWithinWindow(() -> writeObservation(login.accessToken()));
        // reads: within the token's lifetime (the documented revocation window of reads)
        assertThat(http().get("/fhir/" + patient)
                        .bearer(login.accessToken())
                        .send()
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void afterTheUserIsDisabledTheTokenCanNoLongerWrite() throws Exception {
        Login login = physiotherapist();

        admin.disable(login.userId());

        assertRefusedWithinWindow(() -> writeObservation(login.accessToken()));
    }

    @Test
    void afterTheRoleIsRemovedTheTokenCanNoLongerWrite() throws Exception {
        Login login = physiotherapist();

        admin.removeRealmRole(login.userId(), "physiotherapist");

        assertRefusedWithinWindow(() -> writeObservation(login.accessToken()));
    }

    @Test
    void afterTheUserIsDeletedTheTokenCanNoLongerWrite() throws Exception {
        Login login = physiotherapist();

        admin.delete(login.userId());

        assertRefusedWithinWindow(() -> writeObservation(login.accessToken()));
    }

    @Test
    void afterLogoutAnAuditorCanNoLongerReadTheAuditTrail() throws Exception {
        String username = user();
        admin.createUser(username, PASSWORD, "auditor");
        TokenClient.TokenResponse login = keycloak().tokens().password(username, PASSWORD, TokenClient.AUDITOR_SCOPES);
        assertThat(http().get("/fhir/AuditEvent?_count=1")
                        .bearer(login.accessToken())
                        .send()
                        .statusCode())
                .as("before logout")
                .isEqualTo(200);

        logout(login.refreshToken());

        assertRefusedWithinWindow(() -> http().get("/fhir/AuditEvent?_count=1")
                .bearer(login.accessToken())
                .send());
    }

    private record Login(String userId, TokenClient.TokenResponse tokens) {
        String accessToken() {
            return tokens.accessToken();
        }
    }

    /** A new physiotherapist, logged in; her token writes (the control: introspection lets a live token through). */
    private Login physiotherapist() throws Exception {
        String username = user();
        String id = admin.createUser(username, PASSWORD, "physiotherapist");
        Login login = new Login(id, keycloak().tokens().password(username, PASSWORD, TokenClient.PHYSIO_SCOPES));
        HttpResponse<String> before = writeObservation(login.accessToken());
        assertThat(before.statusCode())
                .as("a live token writes: " + before.body())
                .isEqualTo(201);
        return login;
    }

    /**
     * Refused within the revocation window: the server may keep Keycloak's "active" answer of the control write for
     * {@code rehab.security.introspection.cache-ttl}; after it, the next request asks Keycloak again.
     */
    private void assertRefusedWithinWindow(Supplier<HttpResponse<String>> request) {
        Duration window = securityProperties.getIntrospection().getCacheTtl();
        HttpResponse<String> last = await().atMost(window.plusSeconds(10))
                .pollDelay(Duration.ZERO)
                .pollInterval(Duration.ofMillis(500))
                .until(request::get, r -> r.statusCode() != 201 && r.statusCode() != 200);
        assertRefused(last);
    }

    private static void assertRefused(HttpResponse<String> response) {
        assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(h -> assertThat(h).startsWith("Bearer").contains("invalid_token"));
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).contains("The access token is invalid, expired or not meant for this server");
    }

    private HttpResponse<String> writeObservation(String token) {
        return http().bearer(token)
                .post("/fhir/Observation", RawHttp.FHIR_JSON, json(TestData.painScore(patient, 3, "2025-03-10")))
                .send();
    }

    private static void logout(String refreshToken) throws Exception {
        String form = "client_id=" + TokenClient.TEST_CLI + "&refresh_token="
                + URLEncoder.encode(refreshToken, StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(keycloak().issuerUri() + "/protocol/openid-connect/logout"))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isBetween(200, 204);
    }

    private static String user() {
        return KeycloakAdmin.uniqueUsername("revoked");
    }

    private static String json(org.hl7.fhir.instance.model.api.IBaseResource resource) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(resource);
    }

    private RawHttp http() {
        return RawHttp.to("http://localhost:" + port);
    }
}
