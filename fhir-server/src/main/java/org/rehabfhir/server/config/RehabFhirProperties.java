package org.rehabfhir.server.config;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the FHIR endpoint, under the {@code rehab.fhir} prefix of {@code application.yaml}.
 *
 * @param serverAddress public base URL of the FHIR endpoint (for links in bundles); empty means "from the request"
 * @param defaultPageSize page size of searches when the client gives no {@code _count}
 * @param maxPageSize the largest page a client may ask for with {@code _count}
 * @param validateRequests validate every create/update/transaction body as FHIR R4 before it is stored
 */
@ConfigurationProperties(prefix = "rehab.fhir")
public record RehabFhirProperties(
        String serverAddress, int defaultPageSize, int maxPageSize, boolean validateRequests) {

    public RehabFhirProperties {
        if (defaultPageSize <= 0) {
            defaultPageSize = 20;
        }
        if (maxPageSize <= 0) {
            maxPageSize = 200;
        }
    }
}
