package org.rehabfhir.server.subscription;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.subscription.model.CanonicalSubscription;
import ca.uhn.fhir.jpa.subscription.model.ResourceDeliveryMessage;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Instant;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.rehabfhir.server.audit.AuditAgent;
import org.rehabfhir.server.audit.AuditEntry;
import org.rehabfhir.server.audit.AuditTrail;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI's REST-hook delivery, watched: before each delivery the endpoint is checked again ({@link EndpointPolicy}: a
 * name may resolve differently since the Subscription was stored) and, with {@code payload=id-only}, the resource is
 * reduced to its type, id and meta (tag {@code SUBSETTED}); every attempt, delivered, failed (each retry) or refused,
 * leaves one AuditEvent through the {@link AuditTrail} (agent: this server; entities: the patient, the resource and
 * the Subscription; path: the endpoint).
 */
public class SubscriptionDeliveries {

    private static final Logger log = LoggerFactory.getLogger(SubscriptionDeliveries.class);

    /** The operation name of delivery AuditEvents. */
    public static final String AUDIT_OPERATION = "subscription-notification";
    /** The agent of delivery AuditEvents: the server itself. */
    static final AuditAgent SERVER = new AuditAgent(null, null, "rehab-fhir-subscriptions", null, null, null, true);

    private static final String PATIENTS_ATTRIBUTE = "rehab.audit.patients";
    private static final String REFUSED_ATTRIBUTE = "rehab.delivery.refused";
    static final String SUBSETTED_SYSTEM = "http://terminology.hl7.org/CodeSystem/v3-ObservationValue";

    private final FhirContext fhirContext;
    private final EndpointPolicy endpoints;
    private final SubscriptionProperties properties;
    private final AuditTrail audit;

    public SubscriptionDeliveries(
            FhirContext fhirContext, EndpointPolicy endpoints, SubscriptionProperties properties, AuditTrail audit) {
        this.fhirContext = fhirContext;
        this.endpoints = endpoints;
        this.properties = properties;
        this.audit = audit;
    }

    @Hook(Pointcut.SUBSCRIPTION_BEFORE_REST_HOOK_DELIVERY)
    public boolean beforeDelivery(CanonicalSubscription subscription, ResourceDeliveryMessage message) {
        Optional<String> refusal = endpoints.refusal(subscription.getEndpointUrl());
        if (refusal.isPresent()) {
            log.warn("Subscription {}: delivery refused: {}", subscriptionRef(subscription), refusal.get());
            refuse(message, subscription, 403, "refused: " + refusal.get());
            return false;
        }
        if (properties.payload() == SubscriptionProperties.Payload.ID_ONLY
                && !message.getPayloadString().isEmpty()) {
            // parsed here, not by message.getPayload(): that caches the parsed resource, which setPayload leaves alone
            IBaseResource payload = EncodingEnum.detectEncoding(message.getPayloadString())
                    .newParser(fhirContext)
                    .parseResource(message.getPayloadString());
            if (!isIdOnly(payload)) { // (a retry gets the reduced payload again)
                // the audit names the patient; the reduced payload no longer does
                message.setAttribute(PATIENTS_ATTRIBUTE, String.join(",", patientsOf(payload)));
                message.setPayload(fhirContext, idOnly(payload), EncodingEnum.JSON);
            }
            if (!isIdOnly(message.getPayload(fhirContext))) {
                log.error(
                        "Subscription {}: the payload could not be reduced to its id; not delivered",
                        subscriptionRef(subscription));
                refuse(message, subscription, 500, "refused: the payload could not be reduced to its id");
                return false;
            }
        }
        return true;
    }

    @Hook(Pointcut.SUBSCRIPTION_AFTER_DELIVERY)
    public void delivered(ResourceDeliveryMessage message, CanonicalSubscription subscription) {
        if (message.getAttribute(REFUSED_ATTRIBUTE).isEmpty()) { // HAPI calls this after a refusal too
            record(message, subscription, 200, null);
        }
    }

    private void refuse(
            ResourceDeliveryMessage message, CanonicalSubscription subscription, int status, String reason) {
        message.setAttribute(REFUSED_ATTRIBUTE, "true");
        record(message, subscription, status, reason);
    }

    @Hook(Pointcut.SUBSCRIPTION_AFTER_DELIVERY_FAILED)
    public boolean failed(ResourceDeliveryMessage message, Exception failure) {
        int status = failure instanceof BaseServerResponseException e ? e.getStatusCode() : 502;
        Throwable cause = failure.getCause() != null ? failure.getCause() : failure;
        if (cause instanceof BaseServerResponseException e) {
            status = e.getStatusCode();
        }
        record(
                message,
                message.getSubscription(),
                status,
                "failed (retried with back-off): " + cause.getClass().getSimpleName() + ": " + cause.getMessage());
        return true; // let HAPI rethrow, so that its retry template tries again
    }

    /** Whether the resource holds nothing but what {@link #idOnly} keeps. */
    private boolean isIdOnly(IBaseResource resource) {
        if (resource == null) {
            return false;
        }
        var json = fhirContext.newJsonParser();
        return json.encodeResourceToString(resource).equals(json.encodeResourceToString(idOnly(resource)));
    }

    /** A resource of the same type with only id, version, lastUpdated and the SUBSETTED tag. */
    IBaseResource idOnly(IBaseResource resource) {
        IBaseResource stub = fhirContext.getResourceDefinition(resource).newInstance();
        stub.setId(resource.getIdElement());
        stub.getMeta().setVersionId(resource.getMeta().getVersionId());
        stub.getMeta().setLastUpdated(resource.getMeta().getLastUpdated());
        stub.getMeta().addTag().setSystem(SUBSETTED_SYSTEM).setCode("SUBSETTED").setDisplay("subsetted");
        return stub;
    }

    private void record(
            ResourceDeliveryMessage message, CanonicalSubscription subscription, int status, String reason) {
        List<String> patients = message.getAttribute(PATIENTS_ATTRIBUTE)
                .map(joined -> joined.isEmpty() ? List.<String>of() : List.of(joined.split(",")))
                .orElseGet(() -> {
                    IBaseResource payload = message.getPayload(fhirContext);
                    return payload == null ? List.of() : patientsOf(payload);
                });
        Set<String> resources = new LinkedHashSet<>();
        IIdType payloadId = message.getPayloadId(fhirContext);
        if (payloadId != null) {
            resources.add(payloadId.toUnqualifiedVersionless().getValue());
        }
        String subscriptionRef = subscriptionRef(subscription);
        if (subscriptionRef != null) {
            resources.add(subscriptionRef);
        }
        String endpoint = subscription == null ? null : subscription.getEndpointUrl();
        String method = subscription != null && subscription.getPayloadString() != null ? "PUT" : "POST";
        audit.writeQuietly(new AuditEntry(
                Instant.now(),
                "operation",
                status,
                reason,
                SERVER,
                null,
                List.of(),
                patients,
                List.copyOf(resources),
                method,
                endpoint,
                null,
                AUDIT_OPERATION));
    }

    private List<String> patientsOf(IBaseResource resource) {
        List<String> patients = new ArrayList<>();
        if ("Patient".equals(fhirContext.getResourceType(resource))) {
            patients.add("Patient/" + resource.getIdElement().getIdPart());
        }
        for (IIdType owner :
                fhirContext.newTerser().getCompartmentOwnersForResource("Patient", resource, (Set<String>) null)) {
            if ("Patient".equals(owner.getResourceType())) {
                patients.add(owner.toUnqualifiedVersionless().getValue());
            }
        }
        return patients;
    }

    private String subscriptionRef(CanonicalSubscription subscription) {
        if (subscription == null || subscription.getIdElementString() == null) {
            return null;
        }
        return "Subscription/" + subscription.getIdElement(fhirContext).getIdPart();
    }
}
