package org.rehabfhir.auth.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import org.junit.jupiter.api.Test;

class RehabSecurityPropertiesTest {

    @Test
    void defaults() {
        RehabSecurityProperties p = new RehabSecurityProperties();
        assertThat(p.isEnabled()).isTrue();
        assertThat(p.getAudience()).isEqualTo("rehab-fhir-server");
        assertThat(p.getClockSkew()).isEqualTo(Duration.ofSeconds(60));
        assertThat(p.isCareTeamNarrowing())
                .as("minimum necessary access by default")
                .isTrue();
        assertThat(p.getLimits().getMaxBundleEntries()).isEqualTo(200);
        assertThat(p.getLimits().getMaxCount()).isEqualTo(200);
        assertThat(p.getLimits().getMaxRequestBody().toMegabytes()).isEqualTo(5);
    }

    @Test
    void theFhirPathIsNormalisedOnceForEveryUser() {
        RehabSecurityProperties p = new RehabSecurityProperties();
        assertThat(p.getFhirBasePath()).isEqualTo("/fhir");
        p.setFhirBasePath("api/fhir/");
        assertThat(p.getFhirBasePath()).isEqualTo("/api/fhir");
        p.setFhirBasePath("/r4//");
        assertThat(p.getFhirBasePath()).isEqualTo("/r4");
        p.setFhirBasePath(" ");
        assertThat(p.getFhirBasePath()).isEqualTo("/fhir");
    }

    @Test
    void corsOriginsAreExactOrigins() {
        RehabSecurityProperties p = new RehabSecurityProperties();
        p.setIssuerUri("http://127.0.0.1:8180/realms/rehab");
        assertThat(p.getCors().isEnabled()).isFalse();
        p.getCors().setAllowedOrigins(java.util.List.of("https://*.example.org"));
        assertThatThrownBy(p::validate).hasMessageContaining("cors.allowed-origins");
        p.getCors().setAllowedOrigins(java.util.List.of("https://app.example.org"));
        p.getIntrospection().setClientSecret("test-DEV-ONLY-secret");
        p.validate();
        assertThat(p.getCors().isEnabled()).isTrue();
    }

    @Test
    void enabledNeedsAnIssuer() {
        assertThatThrownBy(new RehabSecurityProperties()::validate).hasMessageContaining("issuer-uri");
    }

    @Test
    void clockSkewIsAtMostSixtySeconds() {
        RehabSecurityProperties p = new RehabSecurityProperties();
        p.setIssuerUri("http://127.0.0.1:8180/realms/rehab");
        p.setClockSkew(Duration.ofSeconds(61));
        assertThatThrownBy(p::validate).hasMessageContaining("clock-skew");
        p.setClockSkew(Duration.ofSeconds(10));
        p.getIntrospection().setClientSecret("test-DEV-ONLY-secret");
        p.validate();
    }

    @Test
    void introspectionIsOnByDefaultAndNeedsTheClientSecret() {
        RehabSecurityProperties p = new RehabSecurityProperties();
        p.setIssuerUri("http://127.0.0.1:8180/realms/rehab");
        assertThat(p.getIntrospection().isEnabled()).isTrue();
        assertThatThrownBy(p::validate).hasMessageContaining("REHAB_SECURITY_INTROSPECTION_CLIENT_SECRET");
        p.getIntrospection().setEnabled(false);
        p.validate();
    }

    @Test
    void endpointsDefaultToKeycloaks() {
        RehabSecurityProperties p = new RehabSecurityProperties();
        p.setIssuerUri("http://127.0.0.1:8180/realms/rehab/");
        assertThat(p.effectiveJwksUri()).isEqualTo("http://127.0.0.1:8180/realms/rehab/protocol/openid-connect/certs");
        assertThat(p.effectiveTokenEndpoint()).endsWith("/realms/rehab/protocol/openid-connect/token");
        assertThat(p.effectiveAuthorizationEndpoint()).endsWith("/realms/rehab/protocol/openid-connect/auth");
        assertThat(p.effectiveIntrospectionUri())
                .isEqualTo("http://127.0.0.1:8180/realms/rehab/protocol/openid-connect/token/introspect");
    }
}
