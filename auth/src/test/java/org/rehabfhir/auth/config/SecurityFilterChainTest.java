package org.rehabfhir.auth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.content;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rehabfhir.auth.authorization.SmartAuthorizationInterceptor;
import org.rehabfhir.auth.authorization.SmartInteractionGuardInterceptor;
import org.rehabfhir.auth.discovery.SmartCapabilityStatementInterceptor;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.jwt.TestTokens;
import org.rehabfhir.auth.limits.RequestLimitsInterceptor;
import org.rehabfhir.auth.web.SecurityRejectionListener;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.http.MediaType;
import org.springframework.test.web.servlet.MvcResult;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PostMapping;
import org.springframework.web.bind.annotation.RequestBody;
import org.springframework.web.bind.annotation.RestController;

/** The auto-configured filter chain in a minimal Spring Boot web app (MockMvc, no Keycloak, tokens made here). */
@SpringBootTest(
        classes = SecurityFilterChainTest.App.class,
        properties = {
            "rehab.security.limits.max-request-body=2KB",
            "spring.main.banner-mode=off",
            // the filter chain is tested here; narrowing (which needs the server's CareTeam lookup) elsewhere
            "rehab.security.care-team-narrowing=false",
            // token introspection (it needs Keycloak) is tested in IntrospectionUnavailableTest and RevokedTokenIT
            "rehab.security.introspection.enabled=false"
        })
class SecurityFilterChainTest extends FilterChainTestSupport {

    static final List<String> REJECTIONS = new ArrayList<>();

    @SpringBootApplication
    static class App {
        @Bean
        FakeFhirEndpoint fakeFhirEndpoint() {
            return new FakeFhirEndpoint();
        }

        @Bean
        SecurityRejectionListener recordingListener() {
            return (request, status, reason) -> REJECTIONS.add(status + " " + reason);
        }
    }

    /** Stands in for HAPI's servlet: echoes who called (a bean: test classes are not component-scanned). */
    @RestController
    static class FakeFhirEndpoint {
        @GetMapping("/fhir/metadata")
        String metadata() {
            return "{\"resourceType\":\"CapabilityStatement\"}";
        }

        @GetMapping("/fhir/Patient")
        String patients() {
            CallerContext caller = RehabSecurityContext.current().orElseThrow();
            return caller.username() + " " + caller.clientId() + " " + caller.rights();
        }

        @PostMapping("/fhir/Observation")
        String create(@RequestBody String body) {
            return "created " + body.length();
        }

        @GetMapping("/actuator/health")
        String health() {
            return "{\"status\":\"UP\"}";
        }
    }

    @Autowired
    ApplicationContext context;

    @Test
    void anonymousMayReadOnlyMetadataDiscoveryAndHealth() throws Exception {
        mvc.perform(get("/fhir/metadata")).andExpect(status().isOk());
        mvc.perform(get("/actuator/health")).andExpect(status().isOk());
        mvc.perform(get("/.well-known/smart-configuration")).andExpect(status().isOk());
        mvc.perform(get("/fhir/.well-known/smart-configuration")).andExpect(status().isOk());
        mvc.perform(post("/fhir/metadata")).andExpect(status().isUnauthorized());
    }

    @Test
    void noOriginIsAllowedCrossOriginByDefault() throws Exception {
        mvc.perform(get("/fhir/metadata").header("Origin", "https://elsewhere.example.org"))
                .andExpect(header().doesNotExist("Access-Control-Allow-Origin"));
    }

    @Test
    void noTokenIs401WithWwwAuthenticateAndAnOperationOutcome() throws Exception {
        REJECTIONS.clear();
        mvc.perform(get("/fhir/Patient"))
                .andExpect(status().isUnauthorized())
                .andExpect(header().string("WWW-Authenticate", "Bearer"))
                .andExpect(jsonPath("$.resourceType").value("OperationOutcome"))
                .andExpect(jsonPath("$.issue[0].code").value("login"));
        assertThat(REJECTIONS).containsExactly("401 missing_token");
    }

    @Test
    void badTokensAre401WithWwwAuthenticate() throws Exception {
        Instant now = Instant.now();
        List<String> bad = List.of(
                "garbage",
                TOKENS.with(b -> b.expirationTime(Date.from(now.minusSeconds(120)))),
                TOKENS.with(b -> b.notBeforeTime(Date.from(now.plusSeconds(300)))),
                TOKENS.with(b -> b.issuer("http://127.0.0.1:1/realms/rehab-foreign")),
                TOKENS.with(b -> b.audience("account")),
                TOKENS.algNone(),
                TOKENS.hs256WithPublicKey(),
                TOKENS.unknownKid(),
                TOKENS.badSignature());
        for (String token : bad) {
            MvcResult result = mvc.perform(get("/fhir/Patient").header("Authorization", "Bearer " + token))
                    .andExpect(status().isUnauthorized())
                    .andExpect(jsonPath("$.resourceType").value("OperationOutcome"))
                    .andReturn();
            assertThat(result.getResponse().getHeader("WWW-Authenticate")).startsWith("Bearer error=\"invalid_token\"");
            assertThat(result.getResponse().getContentAsString())
                    .doesNotContain("Exception")
                    .doesNotContain("at org.");
        }
    }

    @Test
    void aValidTokenReachesTheEndpointWithItsCaller() throws Exception {
        String body = mvc.perform(get("/fhir/Patient").header("Authorization", "Bearer " + TOKENS.valid()))
                .andExpect(status().isOk())
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(body).startsWith("alice rehab-test-cli").contains("Observation.crus");
    }

    @Test
    void noSessionIsCreated() throws Exception {
        MvcResult result = mvc.perform(get("/fhir/Patient").header("Authorization", "Bearer " + TOKENS.valid()))
                .andExpect(status().isOk())
                .andReturn();
        assertThat(result.getRequest().getSession(false)).isNull();
        assertThat(result.getResponse().getHeader("Set-Cookie")).isNull();
    }

    @Test
    void oversizeBodiesAre413() throws Exception {
        String token = TOKENS.valid();
        mvc.perform(post("/fhir/Observation")
                        .header("Authorization", "Bearer " + token)
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("x".repeat(4096)))
                .andExpect(status().isPayloadTooLarge())
                .andExpect(jsonPath("$.resourceType").value("OperationOutcome"));
        mvc.perform(post("/fhir/Observation")
                        .header("Authorization", "Bearer " + token)
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("x".repeat(100)))
                .andExpect(status().isOk())
                .andExpect(content().string("created 100"));
    }

    @Test
    void smartConfigurationAdvertisesTheRealm() throws Exception {
        mvc.perform(get("/.well-known/smart-configuration"))
                .andExpect(jsonPath("$.issuer").value(TestTokens.ISSUER))
                .andExpect(jsonPath("$.jwks_uri").value(TOKENS.jwksUri()))
                .andExpect(
                        jsonPath("$.authorization_endpoint").value(TestTokens.ISSUER + "/protocol/openid-connect/auth"))
                .andExpect(jsonPath("$.token_endpoint").value(TestTokens.ISSUER + "/protocol/openid-connect/token"))
                .andExpect(jsonPath("$.code_challenge_methods_supported[0]").value("S256"))
                .andExpect(jsonPath("$.capabilities").isArray());
        String fromFhirBase = mvc.perform(get("/fhir/.well-known/smart-configuration"))
                .andReturn()
                .getResponse()
                .getContentAsString();
        assertThat(fromFhirBase).contains("permission-v2", "client-confidential-asymmetric", "user/Observation.crus");
    }

    @Test
    void hapiInterceptorsAreBeans() {
        assertThat(context.getBeansOfType(SmartAuthorizationInterceptor.class))
                .containsKey("rehabAuthorizationInterceptor");
        assertThat(context.getBeansOfType(SmartInteractionGuardInterceptor.class))
                .containsKey("rehabInteractionGuardInterceptor");
        assertThat(context.getBeansOfType(SmartCapabilityStatementInterceptor.class))
                .containsKey("rehabCapabilityStatementInterceptor");
        assertThat(context.getBeansOfType(RequestLimitsInterceptor.class)).containsKey("rehabRequestLimitsInterceptor");
        assertThat(context.getBeansWithAnnotation(ca.uhn.fhir.interceptor.api.Interceptor.class))
                .hasSizeGreaterThanOrEqualTo(4);
        assertThat(context.containsBean("rehabCareTeamNarrowingInterceptor")).isFalse();
    }
}
