package org.rehabfhir.app;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;
import org.springframework.boot.context.properties.bind.DefaultValue;
import org.springframework.util.StringUtils;

/**
 * {@code rehab.app.*}: where the FHIR API is, and how the app talks to it.
 *
 * @param fhirBaseUrl the FHIR endpoint, e.g. {@code https://rehab.example.org/fhir}
 * @param registrationId the Spring Security client registration of Keycloak
 * @param fhirTimeout connect and read timeout of FHIR calls
 * @param pageSize entries per page of paged lists (access log)
 */
@ConfigurationProperties(prefix = "rehab.app")
public record AppProperties(
        String fhirBaseUrl,
        @DefaultValue("keycloak") String registrationId,
        @DefaultValue("30s") Duration fhirTimeout,
        @DefaultValue("25") int pageSize) {

    public AppProperties {
        if (fhirBaseUrl == null || fhirBaseUrl.isBlank()) {
            throw new IllegalArgumentException("rehab.app.fhir-base-url (REHAB_APP_FHIR_BASE_URL) is required");
        }
        fhirBaseUrl = StringUtils.trimTrailingCharacter(fhirBaseUrl, '/');
    }
}
