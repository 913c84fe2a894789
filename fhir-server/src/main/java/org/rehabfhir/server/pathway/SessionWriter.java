package org.rehabfhir.server.pathway;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.session.SessionLog;
import org.rehabfhir.server.provenance.ProvenanceRecorder;
import org.springframework.stereotype.Component;

/**
 * Writes what a session or a review adds to a plan, as the server inside the caller's operation (call it inside
 * {@link Transactions#inOne}): the session's Observations, the plan put on hold after a fall, the clinician's
 * review after a fall.
 */
@Component
public class SessionWriter {

    private final DaoRegistry daoRegistry;
    private final Clock clock;

    public SessionWriter(DaoRegistry daoRegistry, Clock clock) {
        this.daoRegistry = daoRegistry;
        this.clock = clock;
    }

    /** Stores the session's Observations; after a fall the plan goes on hold. @return the stored Observations */
    public List<Observation> record(CarePlan plan, SessionLog session, Reference performer) {
        Reference planRef = new Reference("CarePlan/" + plan.getIdElement().getIdPart());
        List<Observation> stored = new ArrayList<>();
        Observation fall = null;
        for (Observation o : session.observations(plan.getSubject(), planRef, performer, clock.instant())) {
            Observation saved = (Observation) daoRegistry
                    .getResourceDao(Observation.class)
                    .create(o, new SystemRequestDetails())
                    .getResource();
            stored.add(saved);
            if (Codes.isFall(saved) && saved.getValueBooleanType().booleanValue()) {
                fall = saved;
            }
        }
        if (fall != null) {
            holdAfterFall(plan, fall);
        }
        return stored;
    }

    private void holdAfterFall(CarePlan plan, Observation fall) {
        String fallRef = "Observation/" + fall.getIdElement().getIdPart();
        plan.setStatus(CarePlan.CarePlanStatus.ONHOLD);
        plan.addNote()
                .setText("On hold: fall recorded in the session of "
                        + fall.getEffectiveDateTimeType().getValueAsString() + " (" + fallRef
                        + "). A physiotherapist's review "
                        + "reactivates the plan.");
        SystemRequestDetails request = new SystemRequestDetails();
        ProvenanceRecorder.explain(
                request,
                new ProvenanceRecorder.Decision(
                        "CarePlan",
                        "Fall during a session: plan suspended until a physiotherapist reviews it",
                        List.of(fallRef)));
        daoRegistry.getResourceDao(CarePlan.class).update(plan, request);
    }

    /** Records the physiotherapist's review after a fall (what lets progression resume). @return its reference */
    public String recordReview(CarePlan plan, Reference performer, String reason) {
        Observation review = new Observation();
        review.setStatus(Observation.ObservationStatus.FINAL);
        review.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "activity", null)));
        review.setCode(
                new CodeableConcept(new Coding(RehabCodes.CS_FINDING, RehabCodes.FINDING_REVIEW_AFTER_FALL, null))
                        .setText("Clinician review after a fall"));
        review.setSubject(plan.getSubject().copy());
        review.addBasedOn(new Reference("CarePlan/" + plan.getIdElement().getIdPart()));
        review.addPerformer(performer.copy());
        Date now = Date.from(clock.instant());
        review.setEffective(new DateTimeType(now));
        review.setIssued(now);
        review.setValue(new BooleanType(true));
        review.addNote().setText(reason);
        return "Observation/"
                + daoRegistry
                        .getResourceDao(Observation.class)
                        .create(review, new SystemRequestDetails())
                        .getId()
                        .getIdPart();
    }

    /** Codes the writer looks for. */
    private static final class Codes {
        static boolean isFall(Observation o) {
            return org.rehabfhir.protocols.record.Codes.has(o.getCode(), RehabCodes.CS_FINDING, RehabCodes.FINDING_FALL)
                    && o.hasValueBooleanType();
        }
    }
}
