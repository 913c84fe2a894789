package org.rehabfhir.server.pathway;

import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.ResourceParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.protocols.session.SessionLog;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.rehabfhir.server.engine.PatientRecord;
import org.springframework.stereotype.Component;

/**
 * {@code POST CarePlan/{id}/$record-session} (Parameters, see {@link SessionLog}): one session of an active plan,
 * written in one database transaction as the Observations the progression rules read, each {@code basedOn} the
 * plan, about the plan's patient, performed by the caller. A fall puts the plan on hold in the same transaction.
 * Answers a Bundle (collection) of the stored Observations. A missing or out-of-range parameter, or a plan that is
 * not active, is a 422 naming the problem, and nothing is stored. EHRs and devices may post the same Observations
 * directly.
 */
@Component
public class RecordSessionOperation implements FhirOperationProvider {

    private final PatientRecord records;
    private final Transactions transactions;
    private final SessionWriter sessions;
    private final Clinicians clinicians;
    private final Clock clock;

    public RecordSessionOperation(
            PatientRecord records,
            Transactions transactions,
            SessionWriter sessions,
            Clinicians clinicians,
            Clock clock) {
        this.records = records;
        this.transactions = transactions;
        this.sessions = sessions;
        this.clinicians = clinicians;
        this.clock = clock;
    }

    @Operation(name = "$record-session", type = CarePlan.class)
    public Bundle recordSession(@IdParam IdType planId, @ResourceParam Parameters parameters) {
        Reference performer = clinicians.requirePhysiotherapist("Recording a session");
        CarePlan plan = records.carePlan(planId);
        if (plan.getStatus() != CarePlan.CarePlanStatus.ACTIVE) {
            throw new UnprocessableEntityException("CarePlan/" + planId.getIdPart() + " is "
                    + plan.getStatus().toCode() + ": sessions are recorded on an active plan"
                    + (plan.getStatus() == CarePlan.CarePlanStatus.ONHOLD
                            ? " (on hold after a fall: a physiotherapist's review reactivates it, $activate with a reason)"
                            : plan.getStatus() == CarePlan.CarePlanStatus.DRAFT
                                    ? " (activate it first: $activate)"
                                    : ""));
        }
        SessionLog session;
        try {
            session = SessionLog.from(parameters, clock.instant());
        } catch (SessionLog.InvalidSessionException e) {
            throw Outcomes.unprocessable("The session cannot be recorded: see each parameter", e.toOperationOutcome());
        }
        List<Observation> stored = transactions.inOne(() -> sessions.record(plan, session, performer));
        Bundle out = new Bundle().setType(Bundle.BundleType.COLLECTION);
        stored.forEach(o -> out.addEntry()
                .setFullUrl("Observation/" + o.getIdElement().getIdPart())
                .setResource(o));
        out.setTotal(stored.size());
        return out;
    }
}
