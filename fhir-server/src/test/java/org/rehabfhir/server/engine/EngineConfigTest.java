package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Clock;
import java.time.ZoneId;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.recommend.RegimenRecommender;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.test.context.runner.ApplicationContextRunner;
import org.springframework.context.annotation.Configuration;

/** The engine's wiring: the clinic's zone comes from {@code rehab.engine.zone} alone, never from the JVM. */
class EngineConfigTest {

    @Configuration
    @EnableConfigurationProperties(EngineProperties.class)
    static class Properties {}

    private final ApplicationContextRunner runner = new ApplicationContextRunner()
            .withUserConfiguration(Properties.class, EngineConfig.class)
            .withBean(FhirContext.class, FhirContext::forR4Cached);

    @Test
    void theClockIsInTheClinicsZone() {
        runner.withPropertyValues("rehab.engine.zone=Pacific/Auckland").run(context -> {
            assertThat(context).hasNotFailed();
            assertThat(context.getBean(Clock.class).getZone()).isEqualTo(ZoneId.of("Pacific/Auckland"));
            assertThat(context).hasSingleBean(RegimenRecommender.class);
        });
    }

    @Test
    void withoutAZoneTheClockIsUtcNotTheJvmsZone() {
        runner.run(context -> assertThat(context.getBean(Clock.class).getZone()).isEqualTo(ZoneOffset.UTC));
    }

    @Test
    void anUnknownZoneStopsTheStart() {
        runner.withPropertyValues("rehab.engine.zone=Mars/Olympus")
                .run(context -> assertThat(context).hasFailed());
    }
}
