package org.rehabfhir.server.config;

import ca.uhn.fhir.batch2.jobs.export.BulkDataExportProvider;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.dao.IFhirSystemDao;
import ca.uhn.fhir.jpa.provider.IJpaSystemProvider;
import ca.uhn.fhir.jpa.provider.JpaCapabilityStatementProvider;
import ca.uhn.fhir.jpa.search.DatabaseBackedPagingProvider;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.HardcodedServerAddressStrategy;
import ca.uhn.fhir.rest.server.IResourceProvider;
import ca.uhn.fhir.rest.server.IncomingRequestAddressStrategy;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.provider.ResourceProviderFactory;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import java.util.Arrays;
import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import org.rehabfhir.auth.config.RehabSecurityProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.web.servlet.ServletRegistrationBean;
import org.springframework.context.ApplicationContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/**
 * The FHIR REST endpoint at {@code /fhir}: HAPI's {@link RestfulServer} with the JPA resource providers, the
 * project's operation providers and the project's interceptors (every bean annotated with HAPI's
 * {@link Interceptor} in an {@code org.rehabfhir} package).
 */
@Configuration
public class RestfulServerConfig {

    private static final Logger log = LoggerFactory.getLogger(RestfulServerConfig.class);

    @Bean
    public RestfulServer restfulServer(
            IFhirSystemDao<?, ?> systemDao,
            ResourceProviderFactory resourceProviderFactory,
            IJpaSystemProvider jpaSystemProvider,
            JpaStorageSettings storageSettings,
            ISearchParamRegistry searchParamRegistry,
            IValidationSupport validationSupport,
            DatabaseBackedPagingProvider pagingProvider,
            RehabFhirProperties properties,
            List<FhirOperationProvider> operationProviders,
            BulkDataExportProvider bulkDataExportProvider,
            ApplicationContext applicationContext) {
        RestfulServer server = new RehabRestfulServer(systemDao.getContext());
        // A resource type served by one of the project's providers (AuditEvent: the audit chain) replaces HAPI's JPA
        // one
        Set<String> ownTypes = operationProviders.stream()
                .filter(IResourceProvider.class::isInstance)
                .map(p -> ((IResourceProvider) p).getResourceType().getSimpleName())
                .collect(Collectors.toSet());
        server.registerProviders(resourceProviderFactory.createProviders().stream()
                .filter(p -> !(p instanceof IResourceProvider rp
                        && ownTypes.contains(rp.getResourceType().getSimpleName())))
                .toList());
        server.registerProvider(jpaSystemProvider);
        // HAPI's Bulk Data $export / $export-poll-status (bulk.BulkExportConfig)
        server.registerProvider(bulkDataExportProvider);
        operationProviders.forEach(server::registerProvider);

        JpaCapabilityStatementProvider capabilityStatement = new JpaCapabilityStatementProvider(
                server, systemDao, storageSettings, searchParamRegistry, validationSupport);
        capabilityStatement.setImplementationDescription("Rehab-FHIR: supervised backward-walking rehabilitation");
        server.setServerConformanceProvider(capabilityStatement);
        server.setServerName("Rehab-FHIR");

        pagingProvider.setDefaultPageSize(properties.defaultPageSize());
        pagingProvider.setMaximumPageSize(properties.maxPageSize());
        server.setPagingProvider(pagingProvider);
        server.setDefaultResponseEncoding(EncodingEnum.JSON);
        server.setDefaultPrettyPrint(true);

        if (StringUtils.hasText(properties.serverAddress())) {
            server.setServerAddressStrategy(new HardcodedServerAddressStrategy(properties.serverAddress()));
        } else {
            server.setServerAddressStrategy(new IncomingRequestAddressStrategy());
        }

        projectInterceptors(applicationContext).forEach(interceptor -> {
            log.info("Registering interceptor {}", interceptor.getClass().getSimpleName());
            server.registerInterceptor(interceptor);
        });
        return server;
    }

    @Bean
    public ServletRegistrationBean<RestfulServer> fhirServlet(
            RestfulServer restfulServer, RehabSecurityProperties security) {
        // the one setting of the FHIR path (rehab.security.fhir-base-path): the security rules assume the same
        ServletRegistrationBean<RestfulServer> registration =
                new ServletRegistrationBean<>(restfulServer, security.getFhirBasePath() + "/*");
        registration.setName("fhirServlet");
        registration.setLoadOnStartup(1);
        return registration;
    }

    private static List<Object> projectInterceptors(ApplicationContext context) {
        // Look at bean types first: HAPI declares lazy interceptor beans of its own that must not be created here.
        return Arrays.stream(context.getBeanNamesForAnnotation(Interceptor.class))
                .filter(name -> {
                    Class<?> type = context.getType(name);
                    return type != null && type.getName().startsWith("org.rehabfhir.");
                })
                .sorted()
                .map(context::getBean)
                .toList();
    }
}
