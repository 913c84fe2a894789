package org.rehabfhir.server.validation;

import java.util.List;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * FHIR IG packages that writes are validated against, under {@code rehab.fhir.validation}.
 *
 * @param packages package files ({@code .tgz} as published, e.g. US Core's {@code hl7.fhir.us.core}), each a
 *     {@code file:} URL, a {@code classpath:} location or a plain file path. Empty: profiles the server does not hold
 *     are warnings
 */
@ConfigurationProperties(prefix = "rehab.fhir.validation")
public record ValidationPackageProperties(List<String> packages) {

    public ValidationPackageProperties {
        packages = packages == null
                ? List.of()
                : packages.stream().map(String::strip).filter(p -> !p.isEmpty()).toList();
    }
}
