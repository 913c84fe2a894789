package org.rehabfhir.auth.discovery;

import java.util.Map;
import org.springframework.http.CacheControl;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.RestController;

/**
 * {@code GET /.well-known/smart-configuration} (anonymous). The same document under the FHIR base
 * ({@code /fhir/.well-known/smart-configuration}) is answered by {@link SmartConfigurationFilter}, because HAPI's
 * servlet owns {@code /fhir/*}.
 */
@RestController
public class SmartConfigurationController {

    private final SmartConfiguration configuration;

    public SmartConfigurationController(SmartConfiguration configuration) {
        this.configuration = configuration;
    }

    @GetMapping(path = "/.well-known/smart-configuration", produces = MediaType.APPLICATION_JSON_VALUE)
    public ResponseEntity<Map<String, Object>> smartConfiguration() {
        return ResponseEntity.ok()
                .cacheControl(
                        CacheControl.maxAge(java.time.Duration.ofMinutes(5)).cachePublic())
                .body(configuration.asMap());
    }
}
