package org.rehabfhir.server.web;

import java.lang.management.ManagementFactory;
import org.rehabfhir.auth.config.RehabSecurityProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.env.Environment;
import org.springframework.stereotype.Component;

/** Logs where the server answers once it is ready, and how long the start took. */
@Component
public class StartupBanner {

    private static final Logger log = LoggerFactory.getLogger(StartupBanner.class);

    private final Environment environment;

    private final String fhirBasePath;

    public StartupBanner(Environment environment, RehabSecurityProperties security) {
        this.environment = environment;
        this.fhirBasePath = security.getFhirBasePath();
    }

    @EventListener(ApplicationReadyEvent.class)
    public void announce() {
        String port = environment.getProperty("local.server.port", environment.getProperty("server.port", "8080"));
        long uptimeMs = ManagementFactory.getRuntimeMXBean().getUptime();
        log.info(
                "Rehab-FHIR ready in {} ms: FHIR base http://localhost:{}{} (CapabilityStatement at {}/metadata), health at http://localhost:{}/actuator/health",
                uptimeMs,
                port,
                fhirBasePath,
                fhirBasePath,
                port);
    }
}
