package org.rehabfhir.auth.discovery;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.Extension;
import org.junit.jupiter.api.Test;
import org.rehabfhir.auth.config.RehabSecurityProperties;

class SmartCapabilityStatementInterceptorTest {

    @Test
    void addsSmartSecurityToRest() {
        RehabSecurityProperties properties = new RehabSecurityProperties();
        properties.setIssuerUri("http://127.0.0.1:8180/realms/rehab");
        SmartCapabilityStatementInterceptor interceptor =
                new SmartCapabilityStatementInterceptor(new SmartConfiguration(properties));
        CapabilityStatement cs = new CapabilityStatement();
        cs.addRest().setMode(CapabilityStatement.RestfulCapabilityMode.SERVER);
        interceptor.addSecurity(cs);

        CapabilityStatement.CapabilityStatementRestSecurityComponent security =
                cs.getRestFirstRep().getSecurity();
        assertThat(security.getServiceFirstRep().getCodingFirstRep().getSystem())
                .isEqualTo("http://terminology.hl7.org/CodeSystem/restful-security-service");
        assertThat(security.getServiceFirstRep().getCodingFirstRep().getCode()).isEqualTo("SMART-on-FHIR");
        Extension oauth = security.getExtensionByUrl(SmartCapabilityStatementInterceptor.OAUTH_URIS);
        assertThat(oauth.getExtensionByUrl("token").getValue().primitiveValue())
                .isEqualTo("http://127.0.0.1:8180/realms/rehab/protocol/openid-connect/token");
        assertThat(oauth.getExtensionByUrl("authorize").getValue().primitiveValue())
                .isEqualTo("http://127.0.0.1:8180/realms/rehab/protocol/openid-connect/auth");
    }

    @Test
    void corsIsAdvertisedOnlyWhenOriginsAreAllowed() {
        RehabSecurityProperties properties = new RehabSecurityProperties();
        properties.setIssuerUri("http://127.0.0.1:8180/realms/rehab");
        assertThat(corsAdvertised(properties))
                .as("no allowed origins by default")
                .isFalse();

        properties.getCors().setAllowedOrigins(java.util.List.of("https://app.example.org"));
        assertThat(corsAdvertised(properties)).isTrue();
    }

    private static boolean corsAdvertised(RehabSecurityProperties properties) {
        CapabilityStatement cs = new CapabilityStatement();
        new SmartCapabilityStatementInterceptor(new SmartConfiguration(properties)).addSecurity(cs);
        return cs.getRestFirstRep().getSecurity().getCors();
    }

    @Test
    void discoveryDocumentHasTheRequiredFields() {
        RehabSecurityProperties properties = new RehabSecurityProperties();
        properties.setIssuerUri("http://kc/realms/rehab");
        var doc = new SmartConfiguration(properties).asMap();
        assertThat(doc)
                .containsKeys(
                        "issuer",
                        "jwks_uri",
                        "authorization_endpoint",
                        "token_endpoint",
                        "grant_types_supported",
                        "code_challenge_methods_supported",
                        "scopes_supported",
                        "capabilities",
                        "token_endpoint_auth_methods_supported");
        assertThat(doc.get("code_challenge_methods_supported")).isEqualTo(java.util.List.of("S256"));
        assertThat(SmartConfiguration.CAPABILITIES).isEqualTo(doc.get("capabilities"));
        assertThat(SmartConfiguration.CAPABILITIES)
                .contains(
                        "permission-v2",
                        "permission-user",
                        "client-confidential-asymmetric",
                        "client-confidential-symmetric",
                        "client-public",
                        "launch-standalone");
    }
}
