package org.rehabfhir.server.cds;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * The CDS Hooks service, under {@code rehab.cds}.
 *
 * @param clinicianAppUrl base URL of the clinician web app (e.g. {@code https://rehab.example-hospital.org}); the card's
 *     SMART app link opens {@code <url>/patients/<id>}. Empty: the card has no link
 */
@ConfigurationProperties(prefix = "rehab.cds")
public record CdsProperties(String clinicianAppUrl) {

    public CdsProperties {
        clinicianAppUrl = clinicianAppUrl == null ? "" : clinicianAppUrl.replaceAll("/+$", "");
    }
}
