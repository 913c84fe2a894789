package org.rehabfhir.server;

import org.springframework.boot.SpringApplication;
import org.springframework.boot.autoconfigure.SpringBootApplication;
import org.springframework.boot.autoconfigure.batch.BatchAutoConfiguration;
import org.springframework.boot.autoconfigure.elasticsearch.ElasticsearchRestClientAutoConfiguration;
import org.springframework.boot.autoconfigure.quartz.QuartzAutoConfiguration;
import org.springframework.boot.autoconfigure.thymeleaf.ThymeleafAutoConfiguration;
import org.springframework.boot.context.properties.ConfigurationPropertiesScan;

/**
 * Rehab-FHIR server: the HAPI FHIR JPA server (R4) on PostgreSQL, with the project's operations and
 * interceptors. The FHIR endpoint is served at {@code /fhir}.
 */
@SpringBootApplication(
        exclude = {
            ThymeleafAutoConfiguration.class,
            QuartzAutoConfiguration.class,
            BatchAutoConfiguration.class,
            // HAPI brings an Elasticsearch client for its optional full-text indexing; we do not use it
            ElasticsearchRestClientAutoConfiguration.class
        })
@ConfigurationPropertiesScan
public class RehabFhirApplication {

    public static void main(String[] args) {
        SpringApplication.run(RehabFhirApplication.class, args);
    }
}
