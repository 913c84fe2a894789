package org.rehabfhir.auth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.post;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.jsonPath;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;
import org.springframework.http.MediaType;

/**
 * Finding 11 (issue 10): when Keycloak cannot answer the token introspection (here: Spring's real introspector
 * against the issuer's introspection endpoint on a closed port), a write is refused with 503 and an
 * OperationOutcome (fail closed), never let through; reads, which are not introspected, are served.
 */
@SpringBootTest(
        classes = SecurityFilterChainTest.App.class,
        properties = {
            "spring.main.banner-mode=off",
            "rehab.security.care-team-narrowing=false",
            "rehab.security.introspection.enabled=true",
            "rehab.security.introspection.client-secret=test-DEV-ONLY-secret",
            "rehab.security.introspection.timeout=2s"
        })
// TestTokens.ISSUER is on port 1: nothing listens there, so the introspection call fails
class IntrospectionUnavailableTest extends FilterChainTestSupport {

    @Test
    void aWriteIsRefusedWith503AndAnOperationOutcomeWhenKeycloakCannotBeAsked() throws Exception {
        SecurityFilterChainTest.REJECTIONS.clear();
        mvc.perform(post("/fhir/Observation")
                        .header("Authorization", "Bearer " + TOKENS.valid())
                        .contentType(MediaType.APPLICATION_JSON)
                        .content("{\"resourceType\":\"Observation\"}"))
                .andExpect(status().isServiceUnavailable())
                .andExpect(header().string("Retry-After", "5"))
                .andExpect(jsonPath("$.resourceType").value("OperationOutcome"))
                .andExpect(jsonPath("$.issue[0].code").value("transient"))
                .andExpect(jsonPath("$.issue[0].diagnostics")
                        .value("The access token could not be checked with the identity provider; try again later"));
        assertThat(SecurityFilterChainTest.REJECTIONS).contains("503 token_introspection_unavailable");
    }

    @Test
    void anAuditReadIsRefusedToo() throws Exception {
        mvc.perform(get("/fhir/AuditEvent").header("Authorization", "Bearer " + TOKENS.valid()))
                .andExpect(status().isServiceUnavailable());
    }

    @Test
    void aReadIsNotIntrospected() throws Exception {
        mvc.perform(get("/fhir/Patient").header("Authorization", "Bearer " + TOKENS.valid()))
                .andExpect(status().isOk());
    }
}
