package org.rehabfhir.server.subscription;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Optional;
import java.util.TreeSet;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Subscription;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.Permission;

/**
 * What a stored Subscription may be, checked before it is stored (create, update, transaction entry), in addition to
 * HAPI's own {@code SubscriptionValidatingInterceptor} (channel type supported, criteria parseable, endpoint matching
 * the allow-list regex): a REST hook whose endpoint passes the {@link EndpointPolicy} (allow-list, no loopback,
 * link-local or wildcard address), on a criteria type of {@code rehab.subscriptions.resource-types} that the caller may
 * read (the notifications bypass the search rules, so a caller gets notified only about what it could read). 422
 * with the reason otherwise; nothing is stored.
 */
public class SubscriptionWriteGuard {

    private final EndpointPolicy endpoints;
    private final SubscriptionProperties properties;

    public SubscriptionWriteGuard(EndpointPolicy endpoints, SubscriptionProperties properties) {
        this.endpoints = endpoints;
        this.properties = properties;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource) {
        check(resource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource resource) {
        check(resource);
    }

    private void check(IBaseResource resource) {
        if (!(resource instanceof Subscription subscription)) {
            return;
        }
        if (subscription.getStatus() == Subscription.SubscriptionStatus.OFF) {
            return; // switching a subscription off is always allowed
        }
        if (!properties.enabled()) {
            throw refused("Subscriptions are switched off on this server (rehab.subscriptions.enabled)");
        }
        if (subscription.getChannel().getType() != Subscription.SubscriptionChannelType.RESTHOOK) {
            throw refused("only rest-hook Subscriptions are supported (Subscription.channel.type)");
        }
        endpoints.refusal(subscription.getChannel().getEndpoint()).ifPresent(reason -> {
            throw refused(reason);
        });
        String payload = subscription.getChannel().getPayload();
        if (payload != null
                && !payload.isBlank()
                && !payload.startsWith("application/fhir+json")
                && !payload.startsWith("application/json")) {
            throw refused("Subscription.channel.payload must be application/fhir+json (or absent for a notification"
                    + " without body), not " + payload);
        }
        String type = criteriaType(subscription.getCriteria());
        if (!properties.resourceTypes().contains(type)) {
            throw refused("Subscription.criteria must be on one of " + new TreeSet<>(properties.resourceTypes())
                    + ", not '" + type + "'");
        }
        Optional<CallerContext> caller = RehabSecurityContext.current();
        if (caller.isPresent() && !caller.get().rights().allows(type, Permission.READ)) {
            throw refused("the caller may not read " + type + ", so it may not subscribe to it");
        }
    }

    static String criteriaType(String criteria) {
        if (criteria == null) {
            return "";
        }
        int query = criteria.indexOf('?');
        return (query < 0 ? criteria : criteria.substring(0, query)).trim();
    }

    private static UnprocessableEntityException refused(String reason) {
        return new UnprocessableEntityException("Subscription refused: " + reason);
    }
}
