package org.rehabfhir.server.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.hapi.fhir.cdshooks.api.CDSHooksVersion;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsHooksDaoAuthorizationSvc;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsServiceRegistry;
import ca.uhn.hapi.fhir.cdshooks.config.CdsHooksConfig;
import ca.uhn.hapi.fhir.cdshooks.controller.CdsHooksController;
import ca.uhn.hapi.fhir.cdshooks.svc.CdsHooksContextBooter;
import java.util.List;
import org.rehabfhir.protocols.recommend.RegimenRecommender;
import org.rehabfhir.server.audit.AuditEntryFactory;
import org.rehabfhir.server.audit.AuditTrail;
import org.rehabfhir.server.engine.PatientScreening;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;

/**
 * CDS Hooks 2.0 at {@code /cds-services} with HAPI's module ({@code hapi-fhir-server-cds-hooks}): HAPI's
 * {@link CdsHooksConfig} (service registry, prefetch from the store), HAPI's {@link CdsHooksController} (discovery
 * {@code GET /cds-services}, {@code POST /cds-services/{id}}), the project's {@link RegimenCardService} as the one
 * service bean. Only EHR systems reach it (the security filter chain: {@code ehr-system} role, else 401/403); each
 * call is audited ({@link CdsAuditFilter}).
 */
@Configuration
@Import(CdsHooksConfig.class)
public class CdsHooksWiring {

    @Bean
    public CDSHooksVersion cdsHooksVersion() {
        return CDSHooksVersion.V_2_0;
    }

    @Bean
    public RegimenCardService regimenCardService(
            RegimenRecommender recommender, PatientScreening screening, CdsProperties properties) {
        return new RegimenCardService(recommender, screening, properties);
    }

    /** Hands HAPI the project's service bean instead of booting a separate Spring context for it. */
    @Bean
    public CdsHooksContextBooter cdsHooksContextBooter(RegimenCardService service) {
        return new CdsHooksContextBooter() {
            {
                myCdsServiceBeans = List.of(service);
            }
        };
    }

    @Bean
    public ICdsHooksDaoAuthorizationSvc cdsHooksDaoAuthorizationSvc(FhirContext fhirContext) {
        return new CallerReadCheck(fhirContext);
    }

    @Bean
    public CdsHooksController cdsHooksController(ICdsServiceRegistry registry) {
        return new CdsHooksController(registry);
    }

    @Bean
    public CdsErrorHandler cdsErrorHandler() {
        return new CdsErrorHandler();
    }

    @Bean
    public FilterRegistrationBean<CdsAuditFilter> cdsAuditFilter(AuditTrail trail, AuditEntryFactory factory) {
        FilterRegistrationBean<CdsAuditFilter> registration =
                new FilterRegistrationBean<>(new CdsAuditFilter(trail, factory));
        registration.addUrlPatterns("/cds-services", "/cds-services/*");
        registration.setName("rehabCdsAuditFilter");
        registration.setOrder(0);
        return registration;
    }
}
