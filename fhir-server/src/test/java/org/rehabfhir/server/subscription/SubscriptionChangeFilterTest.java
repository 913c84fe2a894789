package org.rehabfhir.server.subscription;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.subscription.match.registry.ActiveSubscription;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceModifiedMessage;
import ca.uhn.fhir.rest.server.messaging.BaseResourceMessage.OperationTypeEnum;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Subscription;
import org.junit.jupiter.api.Test;

class SubscriptionChangeFilterTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private final List<ActiveSubscription> active = new ArrayList<>();
    private final SubscriptionChangeFilter filter = new SubscriptionChangeFilter(() -> active, FHIR);

    private static ActiveSubscription subscribedTo(String criteria) {
        CanonicalSubscription subscription = new CanonicalSubscription();
        subscription.setIdElement(new IdType("Subscription/s" + criteria.hashCode()));
        subscription.setCriteriaString(criteria);
        return new ActiveSubscription(subscription, "channel");
    }

    private boolean queued(Resource resource) {
        resource.setId(resource.fhirType() + "/1/_history/1");
        return filter.resourceModified(new ResourceModifiedMessage(FHIR, resource, OperationTypeEnum.CREATE));
    }

    @Test
    void noChangeIsQueuedWhileNoSubscriptionIsActiveButOneOfASubscription() {
        assertThat(queued(new Observation())).isFalse();
        assertThat(queued(new Patient())).isFalse();
        assertThat(queued(new Subscription())).isTrue();
    }

    @Test
    void aChangeOfTheTypeOfAnActiveSubscriptionIsQueuedAndOneOfAnotherTypeIsNot() {
        active.add(subscribedTo("Observation?code=http://loinc.org|8867-4"));

        assertThat(queued(new Observation())).isTrue();
        assertThat(queued(new Provenance())).isFalse();
        assertThat(queued(new Patient())).isFalse();
    }

    @Test
    void aWildcardOrMultiTypeCriteriaLetsItsTypesThrough() {
        active.add(subscribedTo("[Patient,CarePlan]"));
        assertThat(queued(new Patient())).isTrue();
        assertThat(queued(new Observation())).isFalse();

        active.add(subscribedTo("[*]"));
        assertThat(queued(new Observation())).isTrue();
        assertThat(queued(new Provenance())).isTrue();
    }
}
