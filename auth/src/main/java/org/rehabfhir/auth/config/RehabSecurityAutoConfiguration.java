package org.rehabfhir.auth.config;

import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import com.fasterxml.jackson.databind.ObjectMapper;
import jakarta.servlet.DispatcherType;
import jakarta.servlet.http.HttpServletRequest;
import java.io.IOException;
import java.util.List;
import org.rehabfhir.auth.authorization.CareTeamOperationGuardInterceptor;
import org.rehabfhir.auth.authorization.CareTeamPatientLookup;
import org.rehabfhir.auth.authorization.CareTeamScope;
import org.rehabfhir.auth.authorization.CareTeamSearchNarrowingInterceptor;
import org.rehabfhir.auth.authorization.CareTeamWriteGuardInterceptor;
import org.rehabfhir.auth.authorization.ExportScopeInterceptor;
import org.rehabfhir.auth.authorization.ReferenceTargetGuardInterceptor;
import org.rehabfhir.auth.authorization.SearchReach;
import org.rehabfhir.auth.authorization.SmartAuthorizationInterceptor;
import org.rehabfhir.auth.authorization.SmartInteractionGuardInterceptor;
import org.rehabfhir.auth.authorization.StoredResourceLookup;
import org.rehabfhir.auth.discovery.SmartCapabilityStatementInterceptor;
import org.rehabfhir.auth.discovery.SmartConfiguration;
import org.rehabfhir.auth.discovery.SmartConfigurationController;
import org.rehabfhir.auth.discovery.SmartConfigurationFilter;
import org.rehabfhir.auth.jwt.CachingTokenIntrospector;
import org.rehabfhir.auth.jwt.IntrospectedRequests;
import org.rehabfhir.auth.jwt.IntrospectingJwtAuthenticationProvider;
import org.rehabfhir.auth.jwt.RehabJwtDecoders;
import org.rehabfhir.auth.jwt.SmartJwtAuthenticationConverter;
import org.rehabfhir.auth.limits.RequestBodyLimitFilter;
import org.rehabfhir.auth.limits.RequestLimitsInterceptor;
import org.rehabfhir.auth.smart.RehabRole;
import org.rehabfhir.auth.web.OperationOutcomeAccessDeniedHandler;
import org.rehabfhir.auth.web.OperationOutcomeAuthenticationEntryPoint;
import org.rehabfhir.auth.web.OperationOutcomeRequestRejectedHandler;
import org.rehabfhir.auth.web.SecurityRejectionListener;
import org.rehabfhir.auth.web.SecurityRejections;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.AutoConfiguration;
import org.springframework.boot.autoconfigure.condition.ConditionalOnMissingBean;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.boot.autoconfigure.condition.ConditionalOnWebApplication;
import org.springframework.boot.autoconfigure.security.oauth2.resource.servlet.OAuth2ResourceServerAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.SecurityAutoConfiguration;
import org.springframework.boot.autoconfigure.security.servlet.UserDetailsServiceAutoConfiguration;
import org.springframework.boot.context.properties.EnableConfigurationProperties;
import org.springframework.boot.web.servlet.FilterRegistrationBean;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.core.Ordered;
import org.springframework.http.HttpMethod;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.http.client.support.BasicAuthenticationInterceptor;
import org.springframework.security.authentication.AuthenticationManager;
import org.springframework.security.authentication.AuthenticationManagerResolver;
import org.springframework.security.authentication.ProviderManager;
import org.springframework.security.config.annotation.web.builders.HttpSecurity;
import org.springframework.security.config.annotation.web.configuration.EnableWebSecurity;
import org.springframework.security.config.http.SessionCreationPolicy;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;
import org.springframework.security.oauth2.server.resource.introspection.SpringOpaqueTokenIntrospector;
import org.springframework.security.oauth2.server.resource.web.authentication.BearerTokenAuthenticationFilter;
import org.springframework.security.web.SecurityFilterChain;
import org.springframework.security.web.util.matcher.AntPathRequestMatcher;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.client.RestTemplate;
import org.springframework.web.cors.CorsConfiguration;
import org.springframework.web.cors.CorsConfigurationSource;
import org.springframework.web.cors.UrlBasedCorsConfigurationSource;

/**
 * Wires the Rehab-FHIR security into a Spring Boot servlet application (picked up through
 * {@code META-INF/spring/org.springframework.boot.autoconfigure.AutoConfiguration.imports}).
 *
 * <p>Beans (names in brackets): the {@code SecurityFilterChain} [rehabSecurityFilterChain], the
 * {@code JwtDecoder} [rehabJwtDecoder], HAPI interceptors [rehabAuthorizationInterceptor,
 * rehabInteractionGuardInterceptor, rehabCareTeamNarrowingInterceptor and rehabCareTeamOperationGuardInterceptor
 * (narrowing on only),
 * rehabCapabilityStatementInterceptor, rehabRequestLimitsInterceptor] to register on the RestfulServer, the SMART
 * discovery controller and filter.
 */
@AutoConfiguration(
        before = {
            SecurityAutoConfiguration.class,
            OAuth2ResourceServerAutoConfiguration.class,
            UserDetailsServiceAutoConfiguration.class
        })
@ConditionalOnWebApplication(type = ConditionalOnWebApplication.Type.SERVLET)
@EnableConfigurationProperties(RehabSecurityProperties.class)
public class RehabSecurityAutoConfiguration {

    private static final Logger log = LoggerFactory.getLogger(RehabSecurityAutoConfiguration.class);

    /** Realm role of the monitoring client ({@code metrics-scraper}): the only one that may read the actuator. */
    public static final String METRICS_SCRAPER_ROLE = "metrics-scraper";

    /** Where HAPI's CDS Hooks controller answers (fixed by HAPI): for the {@code ehr-system} role only. */
    public static final String CDS_HOOKS_PATH = "/cds-services";

    @Bean
    public SecurityRejections rehabSecurityRejections(ObjectProvider<SecurityRejectionListener> listeners) {
        return new SecurityRejections(listeners.orderedStream().toList());
    }

    /** Picked up by Spring Security's {@code WebSecurity} for the requests its firewall refuses. */
    @Bean
    public OperationOutcomeRequestRejectedHandler rehabRequestRejectedHandler(SecurityRejections rejections) {
        return new OperationOutcomeRequestRejectedHandler(rejections);
    }

    @Bean
    public RequestLimitsInterceptor rehabRequestLimitsInterceptor(RehabSecurityProperties properties) {
        return new RequestLimitsInterceptor(properties.getLimits());
    }

    /** Token checks and SMART authorization: {@code rehab.security.enabled=true} (the default). */
    @Configuration(proxyBeanMethods = false)
    @EnableWebSecurity
    @ConditionalOnProperty(prefix = "rehab.security", name = "enabled", havingValue = "true", matchIfMissing = true)
    static class Enabled {

        @Bean
        @ConditionalOnMissingBean(JwtDecoder.class)
        public JwtDecoder rehabJwtDecoder(RehabSecurityProperties properties) {
            log.info(
                    "Access tokens: issuer {}, JWKS {}, audience {}, clock skew {}",
                    properties.getIssuerUri(),
                    properties.effectiveJwksUri(),
                    properties.getAudience(),
                    properties.getClockSkew());
            return RehabJwtDecoders.create(
                    properties.getIssuerUri(),
                    properties.effectiveJwksUri(),
                    properties.getAudience(),
                    properties.getClockSkew());
        }

        @Bean
        public SmartJwtAuthenticationConverter rehabJwtAuthenticationConverter() {
            return new SmartJwtAuthenticationConverter();
        }

        @Bean
        public SecurityFilterChain rehabSecurityFilterChain(
                HttpSecurity http,
                RehabSecurityProperties properties,
                JwtDecoder rehabJwtDecoder,
                SmartJwtAuthenticationConverter converter,
                SecurityRejections rejections)
                throws Exception {
            String fhir = properties.getFhirBasePath();
            OperationOutcomeAuthenticationEntryPoint entryPoint =
                    new OperationOutcomeAuthenticationEntryPoint(rejections);
            OperationOutcomeAccessDeniedHandler denied = new OperationOutcomeAccessDeniedHandler(rejections);
            http.securityMatcher(AntPathRequestMatcher.antMatcher("/**"))
                    .csrf(csrf -> csrf.disable())
                    .cors(cors -> {
                        if (properties.getCors().isEnabled()) {
                            cors.configurationSource(corsSource(properties.getCors()));
                        } else {
                            cors.disable();
                        }
                    })
                    .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                    .requestCache(cache -> cache.disable())
                    .formLogin(form -> form.disable())
                    .httpBasic(basic -> basic.disable())
                    .logout(logout -> logout.disable())
                    .authorizeHttpRequests(auth -> auth.dispatcherTypeMatchers(DispatcherType.ERROR)
                            .permitAll()
                            .requestMatchers(
                                    AntPathRequestMatcher.antMatcher(HttpMethod.GET, fhir + "/metadata"),
                                    // the OpenAPI description and Swagger UI (fhir-server), derived from the metadata
                                    AntPathRequestMatcher.antMatcher(HttpMethod.GET, fhir + "/api-docs"),
                                    AntPathRequestMatcher.antMatcher(HttpMethod.GET, fhir + "/swagger-ui/**"),
                                    AntPathRequestMatcher.antMatcher(
                                            HttpMethod.GET, "/.well-known/smart-configuration"),
                                    AntPathRequestMatcher.antMatcher(
                                            HttpMethod.GET, fhir + "/.well-known/smart-configuration"),
                                    AntPathRequestMatcher.antMatcher(HttpMethod.GET, "/actuator/health"),
                                    AntPathRequestMatcher.antMatcher(HttpMethod.GET, "/actuator/health/**"))
                            .permitAll()
                            // metrics and everything else of the actuator but health: the monitoring client only
                            .requestMatchers(
                                    AntPathRequestMatcher.antMatcher("/actuator"),
                                    AntPathRequestMatcher.antMatcher("/actuator/**"))
                            .hasRole(METRICS_SCRAPER_ROLE)
                            // CDS Hooks services (discovery and calls): EHR systems only
                            .requestMatchers(
                                    AntPathRequestMatcher.antMatcher(CDS_HOOKS_PATH),
                                    AntPathRequestMatcher.antMatcher(CDS_HOOKS_PATH + "/**"))
                            .hasRole(RehabRole.EHR_SYSTEM.roleName())
                            .anyRequest()
                            .authenticated())
                    .oauth2ResourceServer(oauth -> oauth.authenticationManagerResolver(
                                    authenticationManagers(properties, fhir, rehabJwtDecoder, converter))
                            .authenticationEntryPoint(entryPoint)
                            .accessDeniedHandler(denied))
                    .exceptionHandling(
                            ex -> ex.authenticationEntryPoint(entryPoint).accessDeniedHandler(denied))
                    .addFilterAfter(
                            new RequestBodyLimitFilter(properties.getLimits(), rejections),
                            BearerTokenAuthenticationFilter.class);
            return http.build();
        }

        /**
         * The listed origins only; bearer tokens, no cookies (no credentials); the headers FHIR clients send and read.
         */
        static CorsConfigurationSource corsSource(RehabSecurityProperties.Cors settings) {
            CorsConfiguration cors = new CorsConfiguration();
            cors.setAllowedOrigins(settings.getAllowedOrigins());
            cors.setAllowedMethods(List.of("GET", "HEAD", "POST", "PUT", "PATCH", "OPTIONS"));
            cors.setAllowedHeaders(List.of(
                    "Authorization",
                    "Content-Type",
                    "Accept",
                    "Prefer",
                    "If-Match",
                    "If-None-Exist",
                    "If-None-Match",
                    "If-Modified-Since",
                    "X-Purpose-Of-Use"));
            cors.setExposedHeaders(List.of("Location", "Content-Location", "ETag", "Last-Modified"));
            cors.setAllowCredentials(false);
            cors.setMaxAge(settings.getMaxAge());
            UrlBasedCorsConfigurationSource source = new UrlBasedCorsConfigurationSource();
            source.registerCorsConfiguration("/**", cors);
            return source;
        }

        /**
         * Bearer authentication per request: the JWT checks for every request; for {@link IntrospectedRequests}
         * (writes, audit reads) also Keycloak's token introspection, when {@code rehab.security.introspection.enabled}.
         */
        static AuthenticationManagerResolver<HttpServletRequest> authenticationManagers(
                RehabSecurityProperties properties,
                String fhir,
                JwtDecoder decoder,
                SmartJwtAuthenticationConverter converter) {
            JwtAuthenticationProvider jwt = new JwtAuthenticationProvider(decoder);
            jwt.setJwtAuthenticationConverter(converter);
            AuthenticationManager plain = new ProviderManager(jwt);
            RehabSecurityProperties.Introspection introspection = properties.getIntrospection();
            if (!introspection.isEnabled()) {
                log.warn("rehab.security.introspection.enabled=false: a token stays valid for writes until it expires"
                        + " (at most 300 s after logout, disabling or role removal)");
                return request -> plain;
            }
            String uri = properties.effectiveIntrospectionUri();
            log.info(
                    "Writes and audit reads are checked by token introspection at {} (client {}; an active answer is"
                            + " kept {})",
                    uri,
                    introspection.getClientId(),
                    introspection.getCacheTtl());
            AuthenticationManager introspecting = new ProviderManager(
                    new IntrospectingJwtAuthenticationProvider(jwt, introspector(introspection, uri)));
            RequestMatcher introspected = new IntrospectedRequests(fhir);
            return request -> introspected.matches(request) ? introspecting : plain;
        }

        /**
         * Spring's RFC 7662 client, authenticated with the realm client's secret (HTTP Basic), with timeouts; its
         * active answers kept for {@code cache-ttl} ({@link CachingTokenIntrospector}).
         */
        static OpaqueTokenIntrospector introspector(RehabSecurityProperties.Introspection introspection, String uri) {
            SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
            requests.setConnectTimeout((int) introspection.getTimeout().toMillis());
            requests.setReadTimeout((int) introspection.getTimeout().toMillis());
            RestTemplate rest = new RestTemplate(requests);
            rest.getInterceptors()
                    .add(new BasicAuthenticationInterceptor(
                            introspection.getClientId(), introspection.getClientSecret()));
            OpaqueTokenIntrospector keycloak = new SpringOpaqueTokenIntrospector(uri, rest);
            return introspection.getCacheTtl().isZero()
                    ? keycloak
                    : new CachingTokenIntrospector(
                            keycloak, introspection.getCacheTtl(), introspection.getCacheMaxTokens());
        }

        @Bean
        public CareTeamScope rehabCareTeamScope(
                RehabSecurityProperties properties, ObjectProvider<CareTeamPatientLookup> lookup) {
            return new CareTeamScope(
                    properties.isCareTeamNarrowing(), lookup.getIfAvailable(), properties.getCareTeamCacheTtl());
        }

        @Bean
        public SmartAuthorizationInterceptor rehabAuthorizationInterceptor(CareTeamScope careTeam) {
            return new SmartAuthorizationInterceptor(careTeam);
        }

        @Bean
        public SmartInteractionGuardInterceptor rehabInteractionGuardInterceptor(
                RehabSecurityProperties properties, ObjectProvider<ISearchParamRegistry> searchParams) {
            return new SmartInteractionGuardInterceptor(new SearchReach(
                    searchParams::getIfUnique, properties.getLimits().getMaxSearchDepth()));
        }

        /** Finding 14 (issue 10): no existence oracle through references to types the caller may not read. */
        @Bean
        public ReferenceTargetGuardInterceptor rehabReferenceTargetGuardInterceptor() {
            return new ReferenceTargetGuardInterceptor();
        }

        @Bean
        public ExportScopeInterceptor rehabExportScopeInterceptor() {
            return new ExportScopeInterceptor();
        }

        @Bean
        @ConditionalOnProperty(prefix = "rehab.security", name = "care-team-narrowing", havingValue = "true")
        public CareTeamSearchNarrowingInterceptor rehabCareTeamNarrowingInterceptor(CareTeamScope careTeam) {
            return new CareTeamSearchNarrowingInterceptor(careTeam);
        }

        @Bean
        @ConditionalOnProperty(prefix = "rehab.security", name = "care-team-narrowing", havingValue = "true")
        public CareTeamWriteGuardInterceptor rehabCareTeamWriteGuardInterceptor(CareTeamScope careTeam) {
            return new CareTeamWriteGuardInterceptor(careTeam);
        }

        @Bean
        @ConditionalOnProperty(prefix = "rehab.security", name = "care-team-narrowing", havingValue = "true")
        public CareTeamOperationGuardInterceptor rehabCareTeamOperationGuardInterceptor(
                CareTeamScope careTeam, ObjectProvider<StoredResourceLookup> lookup) {
            StoredResourceLookup found = lookup.getIfAvailable();
            if (found == null) {
                log.warn("CareTeam narrowing without a StoredResourceLookup bean: operations on CarePlan, Observation"
                        + " and other Patient-compartment instances are refused for narrowed physiotherapists");
            }
            return new CareTeamOperationGuardInterceptor(careTeam, found);
        }

        @Bean
        public SmartConfiguration rehabSmartConfiguration(RehabSecurityProperties properties) {
            return new SmartConfiguration(properties);
        }

        @Bean
        public SmartConfigurationController rehabSmartConfigurationController(SmartConfiguration configuration) {
            return new SmartConfigurationController(configuration);
        }

        @Bean
        public FilterRegistrationBean<SmartConfigurationFilter> rehabSmartConfigurationFilter(
                RehabSecurityProperties properties,
                SmartConfiguration configuration,
                ObjectProvider<ObjectMapper> mapper)
                throws IOException {
            FilterRegistrationBean<SmartConfigurationFilter> registration =
                    new FilterRegistrationBean<>(new SmartConfigurationFilter(
                            properties.getFhirBasePath(), configuration, mapper.getIfAvailable(ObjectMapper::new)));
            registration.setName("rehabSmartConfigurationFilter");
            registration.setOrder(Ordered.LOWEST_PRECEDENCE - 10);
            return registration;
        }

        @Bean
        public SmartCapabilityStatementInterceptor rehabCapabilityStatementInterceptor(
                SmartConfiguration configuration) {
            return new SmartCapabilityStatementInterceptor(configuration);
        }
    }

    /** {@code rehab.security.enabled=false}: no token checks at all. Development only. */
    @Configuration(proxyBeanMethods = false)
    @EnableWebSecurity
    @ConditionalOnProperty(prefix = "rehab.security", name = "enabled", havingValue = "false")
    static class Disabled {

        @Bean
        public SecurityFilterChain rehabSecurityFilterChain(HttpSecurity http) throws Exception {
            log.warn("rehab.security.enabled=false: NO AUTHENTICATION, NO AUTHORIZATION. Development only.");
            http.securityMatcher(AntPathRequestMatcher.antMatcher("/**"))
                    .csrf(csrf -> csrf.disable())
                    .sessionManagement(s -> s.sessionCreationPolicy(SessionCreationPolicy.STATELESS))
                    .authorizeHttpRequests(auth -> auth.anyRequest().permitAll());
            return http.build();
        }
    }
}
