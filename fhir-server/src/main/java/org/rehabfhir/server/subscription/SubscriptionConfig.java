package org.rehabfhir.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.jpa.model.config.SubscriptionSettings;
import ca.uhn.fhir.jpa.subscription.channel.impl.RetryPolicyProvider;
import ca.uhn.fhir.jpa.subscription.match.config.SubscriptionProcessorConfig;
import ca.uhn.fhir.jpa.subscription.match.deliver.email.IEmailSender;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.submit.config.SubscriptionSubmitterConfig;
import org.hl7.fhir.dstu2.model.Subscription.SubscriptionChannelType;
import org.rehabfhir.server.audit.AuditTrail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.retry.RetryPolicy;
import org.springframework.retry.backoff.BackOffPolicy;
import org.springframework.retry.backoff.ExponentialBackOffPolicy;
import org.springframework.retry.policy.TimeoutRetryPolicy;

/**
 * R4 REST-hook Subscriptions with HAPI's JPA subscription module, wired as HAPI's JPA server starter does
 * ({@link SubscriptionSubmitterConfig}: matching on every write; {@link SubscriptionProcessorConfig}: registry,
 * matching and delivery; the in-process channels of {@code SubscriptionChannelConfig}, imported by
 * {@code FhirJpaConfig}). Only the REST-hook channel type is enabled; HAPI checks the endpoint against the allow-list
 * ({@code rehab.subscriptions.allowed-endpoints}, as HAPI's endpoint URL regex), {@link SubscriptionWriteGuard} the
 * addresses, criteria types and the caller's rights, {@link SubscriptionDeliveries} re-checks and audits each
 * delivery; the retries of HAPI's delivery channel back off as {@code rehab.subscriptions.retry} says.
 */
@Configuration
public class SubscriptionConfig {

    /**
     * HAPI's subscription machinery, only when {@code rehab.subscriptions.enabled}: it also polls HAPI's queue table
     * of changes, which every server process on the database shares.
     */
    @Configuration
    @ConditionalOnProperty(
            prefix = "rehab.subscriptions",
            name = "enabled",
            havingValue = "true",
            matchIfMissing = true)
    @Import({SubscriptionSubmitterConfig.class, SubscriptionProcessorConfig.class})
    static class Enabled {

        /** Only changes an active Subscription could be about go through HAPI's queue and matching. */
        @Bean
        public SubscriptionChangeFilter subscriptionChangeFilter(
                IInterceptorService jpaInterceptors, SubscriptionRegistry registry, FhirContext fhirContext) {
            SubscriptionChangeFilter filter = new SubscriptionChangeFilter(registry::getAll, fhirContext);
            jpaInterceptors.registerInterceptor(filter);
            return filter;
        }
    }

    private static final Logger log = LoggerFactory.getLogger(SubscriptionConfig.class);

    @Bean
    public EndpointPolicy subscriptionEndpointPolicy(SubscriptionProperties properties) {
        return new EndpointPolicy(properties.allowedEndpoints(), properties.allowLoopback());
    }

    @Bean
    public SubscriptionSettings subscriptionSettings(SubscriptionProperties properties, EndpointPolicy endpoints) {
        SubscriptionSettings settings = new SubscriptionSettings();
        if (properties.enabled()) {
            settings.addSupportedSubscriptionType(SubscriptionChannelType.RESTHOOK);
            settings.setRestHookEndpointUrlValidationRegex(endpoints.allowListRegex());
            // HAPI stores each change in a queue table and hands the stored ones to matching this often (default 5 s)
            settings.setSubscriptionIntervalInMs(properties.submissionInterval().toMillis());
            log.info(
                    "REST-hook Subscriptions: endpoints starting with {}{}, payload {}, criteria on {}",
                    properties.allowedEndpoints(),
                    properties.allowLoopback() ? " (loopback allowed: tests only)" : "",
                    properties.payload(),
                    properties.resourceTypes());
        }
        return settings;
    }

    /** HAPI delivers no e-mail here (only REST hooks are enabled), but its delivery factory wants a sender. */
    @Bean
    public IEmailSender emailSender() {
        return details -> {
            throw new UnsupportedOperationException("e-mail Subscriptions are not supported");
        };
    }

    /** The back-off of HAPI's delivery retries ({@code RetryingMessageHandlerWrapper}), replacing HAPI's default. */
    @Bean
    @Primary
    public RetryPolicyProvider rehabRetryPolicyProvider(SubscriptionProperties properties) {
        SubscriptionProperties.Retry retry = properties.retry();
        return new RetryPolicyProvider() {
            @Override
            protected RetryPolicy retryPolicy() {
                TimeoutRetryPolicy policy = new TimeoutRetryPolicy();
                policy.setTimeout(retry.timeout().toMillis());
                return policy;
            }

            @Override
            protected BackOffPolicy backOffPolicy() {
                ExponentialBackOffPolicy backOff = new ExponentialBackOffPolicy();
                backOff.setInitialInterval(retry.initialInterval().toMillis());
                backOff.setMultiplier(retry.multiplier());
                backOff.setMaxInterval(retry.maxInterval().toMillis());
                return backOff;
            }
        };
    }

    /** Both hooks run on HAPI's JPA interceptor service (storage and subscription pointcuts). */
    @Bean
    public SubscriptionWriteGuard subscriptionWriteGuard(
            IInterceptorService jpaInterceptors, EndpointPolicy endpoints, SubscriptionProperties properties) {
        SubscriptionWriteGuard guard = new SubscriptionWriteGuard(endpoints, properties);
        jpaInterceptors.registerInterceptor(guard);
        return guard;
    }

    @Bean
    public SubscriptionDeliveries subscriptionDeliveries(
            IInterceptorService jpaInterceptors,
            FhirContext fhirContext,
            EndpointPolicy endpoints,
            SubscriptionProperties properties,
            AuditTrail audit) {
        SubscriptionDeliveries deliveries = new SubscriptionDeliveries(fhirContext, endpoints, properties, audit);
        jpaInterceptors.registerInterceptor(deliveries);
        return deliveries;
    }
}
