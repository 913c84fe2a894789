package org.rehabfhir.server.subscription;

import java.time.Duration;
import java.util.List;
import java.util.Set;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * REST-hook Subscriptions, under {@code rehab.subscriptions}.
 *
 * @param enabled whether the server accepts and delivers REST-hook Subscriptions at all (default true)
 * @param allowedEndpoints URL prefixes a {@code Subscription.channel.endpoint} must start with (e.g.
 *     {@code https://ehr.example-hospital.org/fhir-notify/}); empty: no endpoint is allowed (every Subscription 422)
 * @param allowLoopback allow endpoints that are or resolve to loopback addresses (127.0.0.0/8, ::1). Tests only
 *     (the test receiver listens on loopback); production refuses them, and link-local and wildcard addresses always
 * @param payload what a notification carries: {@link Payload#ID_ONLY} (default: the resource type, id and version, no
 *     clinical content) or {@link Payload#FULL_RESOURCE}
 * @param resourceTypes the types a Subscription's criteria may name (default CarePlan and Observation); the caller
 *     must also be allowed to read the type
 * @param retry back-off of the delivery retries
 * @param submissionInterval how often HAPI hands the changes it queued in the database (durable: a restart loses
 *     none) to matching and delivery (default 1 s; HAPI's own default is 5 s)
 */
@ConfigurationProperties(prefix = "rehab.subscriptions")
public record SubscriptionProperties(
        Boolean enabled,
        List<String> allowedEndpoints,
        Boolean allowLoopback,
        Payload payload,
        Set<String> resourceTypes,
        Retry retry,
        Duration submissionInterval) {

    /** What a notification carries. */
    public enum Payload {
        /** {@code PUT <endpoint>/<type>/<id>} with a resource holding only its id and meta (tag SUBSETTED). */
        ID_ONLY,
        /** {@code PUT <endpoint>/<type>/<id>} with the whole resource. */
        FULL_RESOURCE
    }

    /**
     * Delivery retries: exponential back-off from {@code initialInterval}, times {@code multiplier}, at most
     * {@code maxInterval} apart, for {@code timeout} in all (then the notification is given up and logged).
     */
    public record Retry(Duration initialInterval, Double multiplier, Duration maxInterval, Duration timeout) {
        public Retry {
            initialInterval = initialInterval == null ? Duration.ofSeconds(1) : initialInterval;
            multiplier = multiplier == null ? 2.0 : multiplier;
            maxInterval = maxInterval == null ? Duration.ofSeconds(30) : maxInterval;
            timeout = timeout == null ? Duration.ofMinutes(5) : timeout;
        }
    }

    public SubscriptionProperties {
        enabled = enabled == null ? Boolean.TRUE : enabled;
        allowedEndpoints = allowedEndpoints == null ? List.of() : List.copyOf(allowedEndpoints);
        allowLoopback = allowLoopback != null && allowLoopback;
        payload = payload == null ? Payload.ID_ONLY : payload;
        resourceTypes = resourceTypes == null || resourceTypes.isEmpty()
                ? Set.of("CarePlan", "Observation")
                : Set.copyOf(resourceTypes);
        retry = retry == null ? new Retry(null, null, null, null) : retry;
        submissionInterval = submissionInterval == null ? Duration.ofSeconds(1) : submissionInterval;
    }
}
