package org.rehabfhir.server.config;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.nio.charset.StandardCharsets;
import org.junit.jupiter.api.Test;
import org.springframework.mock.env.MockEnvironment;

/** The production jar has no development defaults: no database URL or issuer, no start, and a clear message. */
class ProductionSettingsCheckTest {

    @Test
    void withoutDatabaseAndIssuerTheServerRefusesToStartNamingBoth() {
        assertThatThrownBy(() -> new ProductionSettingsCheck(new MockEnvironment()).postProcessBeanFactory(null))
                .isInstanceOf(IllegalStateException.class)
                .hasMessageContaining("SPRING_DATASOURCE_URL")
                .hasMessageContaining("REHAB_SECURITY_ISSUER_URI")
                .hasMessageContaining("./deploy/local/run.sh");
    }

    @Test
    void withBothItStarts() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("spring.datasource.url", "jdbc:postgresql://db.example.org/rehab")
                .withProperty("rehab.security.issuer-uri", "https://sso.example.org/realms/rehab");
        new ProductionSettingsCheck(environment).postProcessBeanFactory(null);
        assertThat(ProductionSettingsCheck.missing(environment)).isEmpty();
    }

    @Test
    void securityOffNeedsNoIssuer() {
        MockEnvironment environment = new MockEnvironment()
                .withProperty("spring.datasource.url", "jdbc:postgresql://db.example.org/rehab")
                .withProperty("rehab.security.enabled", "false");
        assertThat(ProductionSettingsCheck.missing(environment)).isEmpty();
    }

    @Test
    void theShippedApplicationYamlHoldsNoDevelopmentDefaults() throws Exception {
        String yaml =
                new String(getClass().getResourceAsStream("/application.yaml").readAllBytes(), StandardCharsets.UTF_8);
        assertThat(yaml)
                .doesNotContain("rehab-local-dev-only")
                .doesNotContain("127.0.0.1:8180")
                .doesNotContain("password:")
                .doesNotContain("issuer-uri:");
    }
}
