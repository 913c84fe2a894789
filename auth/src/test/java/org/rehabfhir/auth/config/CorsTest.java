package org.rehabfhir.auth.config;

import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.get;
import static org.springframework.test.web.servlet.request.MockMvcRequestBuilders.options;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.header;
import static org.springframework.test.web.servlet.result.MockMvcResultMatchers.status;

import org.junit.jupiter.api.Test;
import org.springframework.boot.test.context.SpringBootTest;

/** {@code rehab.security.cors.allowed-origins}: browser apps on the listed origins only. */
@SpringBootTest(
        classes = SecurityFilterChainTest.App.class,
        properties = {
            "spring.main.banner-mode=off",
            "rehab.security.care-team-narrowing=false",
            "rehab.security.cors.allowed-origins=https://app.example.org",
            // token introspection (it needs Keycloak) is tested in IntrospectionUnavailableTest and RevokedTokenIT
            "rehab.security.introspection.enabled=false"
        })
class CorsTest extends FilterChainTestSupport {

    @Test
    void aListedOriginsPreflightIsAnsweredWithoutAToken() throws Exception {
        mvc.perform(options("/fhir/Patient")
                        .header("Origin", "https://app.example.org")
                        .header("Access-Control-Request-Method", "GET")
                        .header("Access-Control-Request-Headers", "Authorization"))
                .andExpect(status().isOk())
                .andExpect(header().string("Access-Control-Allow-Origin", "https://app.example.org"))
                .andExpect(header().doesNotExist("Access-Control-Allow-Credentials"));
    }

    @Test
    void anUnlistedOriginIsRefused() throws Exception {
        mvc.perform(options("/fhir/Patient")
                        .header("Origin", "https://evil.example.org")
                        .header("Access-Control-Request-Method", "GET"))
                .andExpect(status().isForbidden())
                .andExpect(header().doesNotExist("Access-Control-Allow-Origin"));
        mvc.perform(get("/fhir/metadata").header("Origin", "https://evil.example.org"))
                .andExpect(header().doesNotExist("Access-Control-Allow-Origin"));
    }

    @Test
    void aListedOriginReadsTheResponseOfAnAnonymousRequest() throws Exception {
        mvc.perform(get("/fhir/metadata").header("Origin", "https://app.example.org"))
                .andExpect(status().isOk())
                .andExpect(header().string("Access-Control-Allow-Origin", "https://app.example.org"));
    }
}
