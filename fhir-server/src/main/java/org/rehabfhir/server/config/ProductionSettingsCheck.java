package org.rehabfhir.server.config;

import java.util.ArrayList;
import java.util.List;
import org.springframework.beans.factory.config.BeanFactoryPostProcessor;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.core.env.Environment;
import org.springframework.util.StringUtils;

/**
 * The server has no development defaults: without a database URL, or (security on) without the token issuer, it
 * refuses to start with one message naming every missing setting, before any bean (the connection pool, HAPI) is
 * built. Runs as a bean factory post-processor so that every property source (environment, command line, a test's
 * dynamic properties, the local runner's {@code local} profile) is in place.
 */
public class ProductionSettingsCheck implements BeanFactoryPostProcessor {

    private final Environment environment;

    public ProductionSettingsCheck(Environment environment) {
        this.environment = environment;
    }

    /** The settings that are missing, as "property (ENVIRONMENT_VARIABLE)". */
    static List<String> missing(Environment environment) {
        List<String> missing = new ArrayList<>();
        if (!StringUtils.hasText(environment.getProperty("spring.datasource.url"))) {
            missing.add("spring.datasource.url (SPRING_DATASOURCE_URL), with spring.datasource.username and password");
        }
        if (environment.getProperty("rehab.security.enabled", Boolean.class, Boolean.TRUE)
                && !StringUtils.hasText(environment.getProperty("rehab.security.issuer-uri"))) {
            missing.add("rehab.security.issuer-uri (REHAB_SECURITY_ISSUER_URI), the Keycloak realm URL");
        }
        return missing;
    }

    @Override
    public void postProcessBeanFactory(ConfigurableListableBeanFactory beanFactory) {
        List<String> missing = missing(environment);
        if (!missing.isEmpty()) {
            throw new IllegalStateException("Rehab-FHIR will not start: no default for " + String.join("; ", missing)
                    + ". Set them for this installation (docs/operations.md); for local development start"
                    + " ./deploy/local/run.sh (profile local).");
        }
    }
}
