package org.rehabfhir.server.audit;

import org.rehabfhir.auth.config.RehabSecurityProperties;
import org.springframework.boot.web.embedded.tomcat.TomcatServletWebServerFactory;
import org.springframework.boot.web.server.WebServerFactoryCustomizer;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/** Audit outside HAPI: requests Tomcat refuses itself, and actuator calls. */
@Configuration
public class AuditWebConfig {

    @Bean
    public WebServerFactoryCustomizer<TomcatServletWebServerFactory> rejectedRequestAudit(
            AuditTrail trail,
            AuditEntryFactory factory,
            AnonymousFailureThrottle anonymous,
            RehabSecurityProperties security) {
        return tomcat -> tomcat.addEngineValves(
                new RejectedRequestAuditValve(trail, factory, anonymous, security.getFhirBasePath()));
    }

    /** After Spring Security's filter chain (order -100), so the caller is known. */
    @Bean
    public FilterRegistrationBean<ActuatorAuditFilter> actuatorAuditFilter(
            AuditTrail trail, AuditEntryFactory factory) {
        FilterRegistrationBean<ActuatorAuditFilter> registration =
                new FilterRegistrationBean<>(new ActuatorAuditFilter(trail, factory));
        registration.addUrlPatterns("/actuator/*");
        registration.setName("rehabActuatorAuditFilter");
        registration.setOrder(0);
        return registration;
    }
}
