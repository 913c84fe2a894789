package org.rehabfhir.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.InputStream;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;

/** The build generates configuration metadata, so IDEs complete and document the rehab.* properties. */
class ConfigurationMetadataTest {

    @Test
    void theServersPropertiesAreDescribedForIdes() throws Exception {
        List<String> names = new ArrayList<>();
        try (InputStream in = getClass().getResourceAsStream("/META-INF/spring-configuration-metadata.json")) {
            assertThat(in).as("META-INF/spring-configuration-metadata.json").isNotNull();
            for (JsonNode property : new ObjectMapper().readTree(in).path("properties")) {
                names.add(property.path("name").asText());
            }
        }
        assertThat(names)
                .contains(
                        "rehab.engine.zone",
                        "rehab.engine.terminology-url",
                        "rehab.fhir.max-page-size",
                        "rehab.audit.enabled");
    }
}
