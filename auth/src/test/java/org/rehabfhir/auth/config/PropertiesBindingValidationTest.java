package org.rehabfhir.auth.config;

import static org.assertj.core.api.Assertions.assertThat;

import org.junit.jupiter.api.Test;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** {@code rehab.security.*} is validated by Spring Boot when it is bound, whichever bean asks for it first. */
class PropertiesBindingValidationTest {

    @Configuration(proxyBeanMethods = false)
    @EnableConfigurationProperties(RehabSecurityProperties.class)
    static class Bound {}

    private final ApplicationContextRunner runner = new ApplicationContextRunner().withUserConfiguration(Bound.class);

    @Test
    void aBadSettingStopsTheStartAtBindingNamingIt() {
        runner.withPropertyValues(
                        "rehab.security.issuer-uri=http://127.0.0.1:8180/realms/rehab", "rehab.security.clock-skew=5m")
                .run(context ->
                        assertThat(context.getStartupFailure()).hasStackTraceContaining("rehab.security.clock-skew"));
    }

    @Test
    void limitsAndOriginsAreCheckedEvenWithSecurityOff() {
        runner.withPropertyValues("rehab.security.enabled=false", "rehab.security.cors.allowed-origins=*")
                .run(context ->
                        assertThat(context.getStartupFailure()).hasStackTraceContaining("cors.allowed-origins"));
        runner.withPropertyValues("rehab.security.enabled=false", "rehab.security.limits.max-count=0")
                .run(context ->
                        assertThat(context.getStartupFailure()).hasStackTraceContaining("rehab.security.limits"));
    }

    @Test
    void goodSettingsBind() {
        runner.withPropertyValues(
                        "rehab.security.issuer-uri=http://127.0.0.1:8180/realms/rehab",
                        "rehab.security.introspection.client-secret=test-DEV-ONLY-secret")
                .run(context -> assertThat(context).hasNotFailed().hasSingleBean(RehabSecurityProperties.class));
    }

    @Test
    void introspectionWithoutItsSecretDoesNotBind() {
        runner.withPropertyValues("rehab.security.issuer-uri=http://127.0.0.1:8180/realms/rehab")
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("REHAB_SECURITY_INTROSPECTION_CLIENT_SECRET"));
    }

    @Test
    void aRevocationWindowOfWritesLongerThanAMinuteDoesNotBind() {
        runner.withPropertyValues(
                        "rehab.security.issuer-uri=http://127.0.0.1:8180/realms/rehab",
                        "rehab.security.introspection.client-secret=test-DEV-ONLY-secret",
                        "rehab.security.introspection.cache-ttl=5m")
                .run(context -> assertThat(context.getStartupFailure())
                        .hasStackTraceContaining("rehab.security.introspection.cache-ttl"));
    }
}
