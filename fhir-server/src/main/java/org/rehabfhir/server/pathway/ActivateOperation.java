package org.rehabfhir.server.pathway;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.rehabfhir.server.engine.PatientRecord;
import org.rehabfhir.server.provenance.ProvenanceRecorder;
import org.springframework.stereotype.Component;

/**
 * {@code POST CarePlan/{id}/$activate}: a physiotherapist activates a saved draft plan, or reactivates a plan on hold
 * after a fall once she has reviewed it.
 * <ul>
 *   <li>Draft: {@code overrideReason} (string) is needed when the patient's screen needs review or a clinician
 *       override; it is recorded on the plan ({@code screening-result.overrideReason}) and in the activation's
 *       Provenance ({@code reason}). {@link PlanActivation} re-screens, stores the Goals and rejects an exclusion.</li>
 *   <li>On hold: {@code reason} (string) is required: the review is recorded as an Observation
 *       {@code clinician-review-after-fall} (true, basedOn the plan, performer the caller), and the Provenance of the
 *       RESUME names the reason.</li>
 * </ul>
 * Any other status, or a missing reason, is a 422; everything happens in one database transaction.
 */
@Component
public class ActivateOperation implements FhirOperationProvider {

    private final PatientRecord records;
    private final DaoRegistry daoRegistry;
    private final Transactions transactions;
    private final SessionWriter sessions;
    private final Clinicians clinicians;

    public ActivateOperation(
            PatientRecord records,
            DaoRegistry daoRegistry,
            Transactions transactions,
            SessionWriter sessions,
            Clinicians clinicians) {
        this.records = records;
        this.daoRegistry = daoRegistry;
        this.transactions = transactions;
        this.sessions = sessions;
        this.clinicians = clinicians;
    }

    @Operation(name = "$activate", type = CarePlan.class)
    public CarePlan activate(
            @IdParam IdType planId,
            @OperationParam(name = "overrideReason", max = 1) StringType overrideReason,
            @OperationParam(name = "reason", max = 1) StringType reason) {
        var practitioner = clinicians.requirePhysiotherapist("Activating a plan");
        CarePlan plan = records.carePlan(planId);
        SystemRequestDetails request = new SystemRequestDetails();
        switch (plan.getStatus()) {
            case DRAFT -> {
                if (hasText(overrideReason)) {
                    PlanApplier.setOverrideReason(plan, overrideReason.getValue());
                    ProvenanceRecorder.explain(
                            request,
                            new ProvenanceRecorder.Decision(
                                    "CarePlan",
                                    "Clinician override of the safety screen: " + overrideReason.getValue(),
                                    List.of()));
                }
                plan.setStatus(CarePlan.CarePlanStatus.ACTIVE);
                return transactions.inOne(() -> update(plan, request));
            }
            case ONHOLD -> {
                if (!hasText(reason)) {
                    throw new UnprocessableEntityException("CarePlan/" + planId.getIdPart() + " is on hold after a "
                            + "fall: reactivating it needs the physiotherapist's review, give it as 'reason'");
                }
                PlanActivation.markReviewed(request);
                plan.setStatus(CarePlan.CarePlanStatus.ACTIVE);
                plan.addNote()
                        .setText("Reviewed after a fall by " + practitioner.getReference() + ": " + reason.getValue());
                return transactions.inOne(() -> {
                    String review = sessions.recordReview(plan, practitioner, reason.getValue());
                    ProvenanceRecorder.explain(
                            request,
                            new ProvenanceRecorder.Decision(
                                    "CarePlan",
                                    "Clinician review after a fall: " + reason.getValue(),
                                    List.of(review)));
                    return update(plan, request);
                });
            }
            case ACTIVE -> throw new UnprocessableEntityException(
                    "CarePlan/" + planId.getIdPart() + " is already active");
            default -> throw new UnprocessableEntityException(
                    "A " + plan.getStatus().toCode()
                            + " CarePlan cannot be activated; only a draft (or an on-hold plan after review)");
        }
    }

    private CarePlan update(CarePlan plan, SystemRequestDetails request) {
        var outcome = daoRegistry.getResourceDao(CarePlan.class).update(plan, request);
        return (CarePlan) outcome.getResource();
    }

    private static boolean hasText(StringType s) {
        return s != null && s.getValue() != null && !s.getValue().isBlank();
    }
}
