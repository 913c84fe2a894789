package org.rehabfhir.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.match.matcher.subscriber.SubscriptionCriteriaParser;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.match.registry.SubscriptionRegistry;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import java.util.Collection;
import java.util.Set;
import java.util.function.Supplier;

/**
 * Hands HAPI's subscription pipeline only the changes an active Subscription could be about. HAPI's
 * {@code SubscriptionMatcherInterceptor} otherwise queues <em>every</em> write in the database (a row of
 * {@code HFJ_RESOURCE_MODIFIED} in the write's transaction), then after the commit reads the resource back, parses it,
 * compares it with the active Subscriptions and deletes the row: for a write's Provenance, a Patient of an EHR record
 * or an Observation while nobody subscribed, a second insert, a read, a parse and a delete for nothing (15-19 % of
 * the server's CPU in Observation creates, issue 15).
 *
 * <p>A change goes on when it is of a Subscription (HAPI activates and registers Subscriptions through the same
 * pipeline), or when an active Subscription of this process's registry applies to its resource type (its criteria's
 * type, every type for a wildcard criteria, and every change while any topic-based or unreadable Subscription is
 * active). HAPI matches a change against this same registry, a few milliseconds later, after the commit: a write
 * committed while no Subscription applied was never notified. The registry of a second server process learns of a
 * Subscription made through another within {@code rehab.fhir.registry-refresh-interval} (5 s), as HAPI's own
 * matching there does.
 */
@Interceptor
public class SubscriptionChangeFilter {

    private final Supplier<Collection<ActiveSubscription>> active;
    private final FhirContext fhirContext;

    /** {@code active}: the active Subscriptions of this process, HAPI's {@link SubscriptionRegistry#getAll()}. */
    public SubscriptionChangeFilter(Supplier<Collection<ActiveSubscription>> active, FhirContext fhirContext) {
        this.active = active;
        this.fhirContext = fhirContext;
    }

    /** HAPI's hook before the change is queued: {@code false} ends its processing (nothing queued, nothing matched). */
    @Hook(Pointcut.SUBSCRIPTION_RESOURCE_MODIFIED)
    public boolean resourceModified(ResourceModifiedMessage message) {
        String type = message.getResourceType(fhirContext);
        return type == null || "Subscription".equals(type) || subscribed(type);
    }

    private boolean subscribed(String type) {
        for (ActiveSubscription subscription : active.get()) {
            if (appliesTo(subscription, type)) {
                return true;
            }
        }
        return false;
    }

    private static boolean appliesTo(ActiveSubscription subscription, String type) {
        if (subscription.getSubscription() == null
                || subscription.getSubscription().isTopicSubscription()) {
            return true;
        }
        SubscriptionCriteriaParser.SubscriptionCriteria criteria = subscription.getCriteria();
        if (criteria == null || criteria.getType() == SubscriptionCriteriaParser.TypeEnum.STARTYPE_EXPRESSION) {
            return true;
        }
        Set<String> types = criteria.getApplicableResourceTypes();
        return types == null || types.isEmpty() || types.contains(type);
    }
}
