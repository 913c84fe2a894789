package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.Extension;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.ValueSource;
import org.rehabfhir.server.support.AbstractFhirServerIT;

/**
 * SMART App Launch discovery, anonymous: {@code .well-known/smart-configuration} (at the root and under the FHIR
 * base) points at the real Keycloak realm, and the CapabilityStatement's {@code rest.security} says the same.
 */
class DiscoveryIT extends AbstractFhirServerIT {

    private static final ObjectMapper JSON = new ObjectMapper();

    @ParameterizedTest(name = "{0}")
    @ValueSource(strings = {"/.well-known/smart-configuration", "/fhir/.well-known/smart-configuration"})
    void smartConfigurationIsPublicAndPointsAtTheRealm(String path) throws Exception {
        HttpResponse<String> response = RawHttp.to(root())
                .get(path)
                .header("Accept", "application/json")
                .send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.headers().firstValue("Content-Type"))
                .hasValueSatisfying(type -> assertThat(type).startsWith("application/json"));
        JsonNode doc = JSON.readTree(response.body());
        assertThat(doc.path("issuer").asText()).isEqualTo(keycloak().issuerUri());
        assertThat(doc.path("jwks_uri").asText()).isEqualTo(keycloak().jwksUri());
        assertThat(doc.path("authorization_endpoint").asText())
                .isEqualTo(keycloak().authorizationEndpoint());
        assertThat(doc.path("token_endpoint").asText()).isEqualTo(keycloak().tokenEndpoint());
        assertThat(strings(doc, "code_challenge_methods_supported")).containsExactly("S256");
        assertThat(strings(doc, "grant_types_supported")).contains("authorization_code", "client_credentials");
        assertThat(strings(doc, "token_endpoint_auth_methods_supported")).contains("private_key_jwt");
        assertThat(strings(doc, "capabilities"))
                .contains(
                        "permission-v2",
                        "permission-user",
                        "client-confidential-asymmetric",
                        "launch-standalone",
                        "client-public",
                        "sso-openid-connect");
        assertThat(strings(doc, "scopes_supported"))
                .contains("openid", "fhirUser", "user/Patient.rs", "user/Observation.crus", "system/Patient.crus");
    }

    @Test
    void advertisedEndpointsAreTheOnesKeycloakItselfPublishes() throws Exception {
        JsonNode smart = JSON.readTree(RawHttp.to(root())
                .get("/.well-known/smart-configuration")
                .send()
                .body());
        HttpResponse<String> discovery = RawHttp.to(keycloak().baseUrl())
                .get("/realms/rehab/.well-known/openid-configuration")
                .header("Accept", "application/json")
                .send();
        assertThat(discovery.statusCode()).as(discovery.body()).isEqualTo(200);
        JsonNode oidc = JSON.readTree(discovery.body());

        for (String field : List.of("issuer", "jwks_uri", "authorization_endpoint", "token_endpoint")) {
            assertThat(smart.path(field).asText())
                    .as(field)
                    .isEqualTo(oidc.path(field).asText());
        }
        assertThat(strings(oidc, "code_challenge_methods_supported")).contains("S256");
    }

    @Test
    void smartConfigurationAnswersOnlyGet() {
        HttpResponse<String> response = RawHttp.to(root())
                .post("/.well-known/smart-configuration", "application/json", "{}")
                .send();

        assertThat(response.statusCode()).isIn(401, 403, 405);
    }

    @Test
    void capabilityStatementAdvertisesSmartOnFhir() {
        CapabilityStatement cs =
                anonymous().capabilities().ofType(CapabilityStatement.class).execute();

        CapabilityStatementRestSecurityComponent security = cs.getRestFirstRep().getSecurity();
        assertThat(security.getService())
                .anySatisfy(service -> assertThat(service.getCoding()).anySatisfy(coding -> {
                    assertThat(coding.getSystem())
                            .isEqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service");
                    assertThat(coding.getCode()).isEqualTo("SMART-on-FHIR");
                }));
        Extension oauthUris =
                security.getExtensionByUrl("http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris");
        assertThat(oauthUris).isNotNull();
        assertThat(oauthUris.getExtensionByUrl("token").getValue().primitiveValue())
                .isEqualTo(keycloak().tokenEndpoint());
        assertThat(oauthUris.getExtensionByUrl("authorize").getValue().primitiveValue())
                .isEqualTo(keycloak().authorizationEndpoint());
    }

    @Test
    void capabilityStatementOffersNoDeleteSinceNoRoleMayDelete() {
        CapabilityStatement cs =
                anonymous().capabilities().ofType(CapabilityStatement.class).execute();

        assertThat(cs.getRestFirstRep().getResource()).isNotEmpty().allSatisfy(resource -> {
            assertThat(resource.getInteraction())
                    .extracting(i -> i.getCode())
                    .as(resource.getType())
                    .doesNotContain(CapabilityStatement.TypeRestfulInteraction.DELETE);
            assertThat(resource.getConditionalDelete())
                    .as(resource.getType())
                    .isEqualTo(CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED);
        });
        assertThat(cs.getRestFirstRep().getResource())
                .filteredOn(r -> r.getType().equals("Observation"))
                .singleElement()
                .satisfies(observation -> assertThat(observation.getInteraction())
                        .extracting(i -> i.getCode())
                        .contains(
                                CapabilityStatement.TypeRestfulInteraction.CREATE,
                                CapabilityStatement.TypeRestfulInteraction.READ));
    }

    @Test
    void capabilityStatementIsTheSameForAnonymousAndAuthenticatedCallers() {
        CapabilityStatement anonymousView =
                anonymous().capabilities().ofType(CapabilityStatement.class).execute();
        CapabilityStatement ehrView =
                ehr().capabilities().ofType(CapabilityStatement.class).execute();

        assertThat(ehrView.getRestFirstRep()
                        .getSecurity()
                        .getService()
                        .get(0)
                        .getCodingFirstRep()
                        .getCode())
                .isEqualTo(anonymousView
                        .getRestFirstRep()
                        .getSecurity()
                        .getService()
                        .get(0)
                        .getCodingFirstRep()
                        .getCode());
    }

    private String root() {
        return "http://localhost:" + port;
    }

    private static List<String> strings(JsonNode doc, String field) {
        List<String> values = new ArrayList<>();
        doc.path(field).forEach(node -> values.add(node.asText()));
        return values;
    }
}
