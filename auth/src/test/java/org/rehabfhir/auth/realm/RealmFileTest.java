package org.rehabfhir.auth.realm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.stream.StreamSupport;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rehabfhir.auth.discovery.SmartConfiguration;
import org.rehabfhir.auth.smart.RehabRole;
import org.rehabfhir.auth.smart.SmartScope;

/** The realm is code: {@code auth/realm/rehab-realm.json} must keep the settings the security brief demands. */
class RealmFileTest {

    /** Production clients: everything except the clearly named dev/test client. */
    static final Set<String> PRODUCTION_CLIENTS = Set.of(
            "rehab-clinician-app",
            "rehab-clinician-bff",
            "ehr-demo-hospital",
            "ehr-demo-jwt",
            "metrics-scraper",
            "rehab-fhir-server");

    static final String TEST_CLIENT = "rehab-test-cli";

    static JsonNode realm;

    @BeforeAll
    static void read() throws IOException {
        Path file = Path.of("realm", "rehab-realm.json");
        if (!Files.exists(file)) {
            file = Path.of("auth", "realm", "rehab-realm.json");
        }
        realm = new ObjectMapper().readTree(file.toFile());
    }

    static JsonNode client(String clientId) {
        for (JsonNode c : realm.path("clients")) {
            if (clientId.equals(c.path("clientId").asText())) {
                return c;
            }
        }
        throw new AssertionError("No client " + clientId);
    }

    static List<String> texts(JsonNode array) {
        List<String> out = new ArrayList<>();
        array.forEach(n -> out.add(n.asText()));
        return out;
    }

    @Test
    void realmNameAndRoles() {
        assertThat(realm.path("realm").asText()).isEqualTo("rehab");
        List<String> roles = StreamSupport.stream(
                        realm.path("roles").path("realm").spliterator(), false)
                .map(r -> r.path("name").asText())
                .toList();
        for (RehabRole role : RehabRole.values()) {
            assertThat(roles).contains(role.roleName());
        }
    }

    @Test
    void descriptionsFitKeycloaksColumns() {
        // Keycloak stores client and client-scope descriptions in VARCHAR(255): a longer one fails the realm import
        for (String list : List.of("clients", "clientScopes")) {
            realm.path(list).forEach(node -> assertThat(
                            node.path("description").asText().length())
                    .as(
                            "%s %s",
                            list, node.path("clientId").asText(node.path("name").asText()))
                    .isLessThanOrEqualTo(255));
        }
    }

    @Test
    void bruteForceDetectionIsOn() {
        assertThat(realm.path("bruteForceProtected").asBoolean()).isTrue();
        assertThat(realm.path("failureFactor").asInt()).isBetween(1, 10);
    }

    @Test
    void loginAndAdminEventsAreStored() {
        assertThat(realm.path("eventsEnabled").asBoolean()).isTrue();
        assertThat(realm.path("adminEventsEnabled").asBoolean()).isTrue();
        assertThat(realm.path("adminEventsDetailsEnabled").asBoolean()).isTrue();
        assertThat(realm.path("eventsExpiration").asLong()).isGreaterThan(0);
    }

    @Test
    void accessTokensLiveAtMostFiveMinutes() {
        assertThat(realm.path("accessTokenLifespan").asInt()).isBetween(1, 300);
        assertThat(realm.path("accessTokenLifespanForImplicitFlow").asInt()).isBetween(1, 300);
        for (JsonNode c : realm.path("clients")) {
            JsonNode lifespan = c.path("attributes").path("access.token.lifespan");
            if (!lifespan.isMissingNode()) {
                assertThat(Integer.parseInt(lifespan.asText()))
                        .as(c.path("clientId").asText())
                        .isBetween(1, 300);
            }
        }
        assertThat(realm.path("defaultSignatureAlgorithm").asText()).isEqualTo("RS256");
    }

    @Test
    void publicClinicianAppUsesCodeFlowWithPkceS256AndExactRedirects() {
        JsonNode app = client("rehab-clinician-app");
        assertThat(app.path("publicClient").asBoolean()).isTrue();
        assertThat(app.path("standardFlowEnabled").asBoolean()).isTrue();
        assertThat(app.path("attributes").path("pkce.code.challenge.method").asText())
                .isEqualTo("S256");
        assertThat(texts(app.path("redirectUris"))).containsExactly("http://localhost:4200/callback");
    }

    @Test
    void clinicianAppBackendIsConfidentialWithPkceS256ExactRedirectsAndRefreshTokens() {
        JsonNode app = client("rehab-clinician-bff");
        assertThat(app.path("publicClient").asBoolean()).isFalse();
        assertThat(app.path("clientAuthenticatorType").asText()).isEqualTo("client-secret");
        assertThat(app.path("secret").asText()).contains("DEV-ONLY");
        assertThat(app.path("standardFlowEnabled").asBoolean()).isTrue();
        assertThat(app.path("serviceAccountsEnabled").asBoolean()).isFalse();
        assertThat(app.path("attributes").path("pkce.code.challenge.method").asText())
                .isEqualTo("S256");
        assertThat(app.path("attributes").path("use.refresh.tokens").asText()).isEqualTo("true");
        assertThat(texts(app.path("redirectUris"))).containsExactly("http://localhost:4200/login/oauth2/code/keycloak");
        assertThat(app.path("attributes").path("post.logout.redirect.uris").asText())
                .isEqualTo("http://localhost:4200/signed-out");
    }

    @Test
    void productionClientsHaveNoImplicitNoDirectGrantNoWildcardRedirect() {
        for (String id : PRODUCTION_CLIENTS) {
            JsonNode c = client(id);
            assertThat(c.path("implicitFlowEnabled").asBoolean())
                    .as(id + " implicit")
                    .isFalse();
            assertThat(c.path("directAccessGrantsEnabled").asBoolean())
                    .as(id + " direct grant")
                    .isFalse();
            for (String uri : texts(c.path("redirectUris"))) {
                assertThat(uri).as(id + " redirect").doesNotContain("*").startsWith("http");
            }
            for (String origin : texts(c.path("webOrigins"))) {
                assertThat(origin).as(id + " web origin").isNotEqualTo("*").isNotEqualTo("+");
            }
            assertThat(c.path("attributes")
                            .path("oauth2.device.authorization.grant.enabled")
                            .asText())
                    .isEqualTo("false");
        }
    }

    @Test
    void everyClientWithAFlowOtherThanClientCredentialsIsPublicOrConfidentialAsIntended() {
        for (JsonNode c : realm.path("clients")) {
            String id = c.path("clientId").asText();
            assertThat(PRODUCTION_CLIENTS.contains(id) || TEST_CLIENT.equals(id))
                    .as("unexpected client " + id)
                    .isTrue();
        }
        JsonNode test = client(TEST_CLIENT);
        assertThat(test.path("name").asText() + test.path("description").asText())
                .contains("TEST ONLY");
        assertThat(test.path("standardFlowEnabled").asBoolean()).isFalse();
        assertThat(test.path("implicitFlowEnabled").asBoolean()).isFalse();
    }

    @Test
    void ehrClientsAreClientCredentialsOnlyWithoutRefreshTokens() {
        for (String id : List.of("ehr-demo-hospital", "ehr-demo-jwt")) {
            JsonNode c = client(id);
            assertThat(c.path("publicClient").asBoolean()).isFalse();
            assertThat(c.path("serviceAccountsEnabled").asBoolean()).isTrue();
            assertThat(c.path("standardFlowEnabled").asBoolean()).isFalse();
            assertThat(c.path("attributes")
                            .path("client_credentials.use_refresh_token")
                            .asText())
                    .isEqualTo("false");
            assertThat(c.path("attributes").path("use.refresh.tokens").asText()).isEqualTo("false");
            assertThat(texts(c.path("defaultClientScopes"))).contains("rehab-fhir-audience", "roles", "basic");
            assertThat(texts(c.path("optionalClientScopes"))).isEmpty();
            for (String scope : texts(c.path("defaultClientScopes"))) {
                SmartScope.parse(scope).ifPresent(s -> assertThat(s.toString()).startsWith("system/"));
            }
        }
        assertThat(client("ehr-demo-jwt").path("clientAuthenticatorType").asText())
                .isEqualTo("client-jwt");
        assertThat(client("ehr-demo-jwt")
                        .path("attributes")
                        .path("jwt.credential.certificate")
                        .asText())
                .isNotBlank();
        assertThat(client("ehr-demo-hospital").path("clientAuthenticatorType").asText())
                .isEqualTo("client-secret");
        // service accounts of EHR clients carry the ehr-system role (the scraper's only its own, see below)
        for (JsonNode user : realm.path("users")) {
            if (user.has("serviceAccountClientId")
                    && !"metrics-scraper"
                            .equals(user.path("serviceAccountClientId").asText())) {
                assertThat(texts(user.path("realmRoles"))).containsExactly("ehr-system");
            }
        }
    }

    @Test
    void metricsScraperIsClientCredentialsOnlyWithOnlyTheScraperRole() {
        JsonNode c = client("metrics-scraper");
        assertThat(c.path("publicClient").asBoolean()).isFalse();
        assertThat(c.path("serviceAccountsEnabled").asBoolean()).isTrue();
        assertThat(c.path("standardFlowEnabled").asBoolean()).isFalse();
        assertThat(c.path("fullScopeAllowed").asBoolean()).isFalse();
        assertThat(texts(c.path("defaultClientScopes")))
                .containsExactlyInAnyOrder("basic", "roles", "rehab-fhir-audience");
        for (JsonNode user : realm.path("users")) {
            if ("metrics-scraper".equals(user.path("serviceAccountClientId").asText())) {
                assertThat(texts(user.path("realmRoles"))).containsExactly("metrics-scraper");
            }
        }
    }

    @Test
    void smartScopesAreClientScopesIncludedInTheToken() {
        List<String> names = new ArrayList<>();
        for (JsonNode scope : realm.path("clientScopes")) {
            String name = scope.path("name").asText();
            names.add(name);
            if (SmartScope.parse(name).isPresent()) {
                assertThat(scope.path("attributes")
                                .path("include.in.token.scope")
                                .asText())
                        .as(name)
                        .isEqualTo("true");
            }
        }
        for (String advertised : SmartConfiguration.BUILT_IN_SCOPES) {
            if (!advertised.equals("openid")) {
                assertThat(names).as("advertised scope " + advertised).contains(advertised);
            }
        }
    }

    @Test
    void audienceMapperPutsTheFhirServerInAud() {
        JsonNode audience = null;
        for (JsonNode scope : realm.path("clientScopes")) {
            if ("rehab-fhir-audience".equals(scope.path("name").asText())) {
                audience = scope.path("protocolMappers").get(0);
            }
        }
        assertThat(audience).isNotNull();
        assertThat(audience.path("protocolMapper").asText()).isEqualTo("oidc-audience-mapper");
        assertThat(audience.path("config").path("included.custom.audience").asText())
                .isEqualTo("rehab-fhir-server");
        assertThat(audience.path("config").path("access.token.claim").asText()).isEqualTo("true");
        for (JsonNode c : realm.path("clients")) {
            assertThat(texts(c.path("defaultClientScopes")))
                    .as(c.path("clientId").asText())
                    .contains("rehab-fhir-audience");
        }
    }

    @Test
    void demoUsersHaveARoleAndAFhirUser() {
        for (JsonNode user : realm.path("users")) {
            if (user.has("serviceAccountClientId")) {
                continue;
            }
            assertThat(texts(user.path("realmRoles"))).hasSize(1);
            assertThat(user.path("attributes").path("fhirUser").get(0).asText()).startsWith("Practitioner/");
            assertThat(user.path("credentials").get(0).path("value").asText()).contains("DEV-ONLY");
        }
    }
}
