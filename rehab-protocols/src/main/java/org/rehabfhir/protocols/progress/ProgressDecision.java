package org.rehabfhir.protocols.progress;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/** Outcome of {@link ProgressEvaluator#evaluate}: a decision, its reasons and the proposed next activity. */
public final class ProgressDecision {

    private final Decision decision;
    private final List<String> reasons;
    private final ProposedStep proposedStep;
    private final List<SessionSummary> sessions;

    public ProgressDecision(
            Decision decision, List<String> reasons, ProposedStep proposedStep, List<SessionSummary> sessions) {
        this.decision = decision;
        this.reasons = List.copyOf(reasons);
        this.proposedStep = proposedStep;
        this.sessions = List.copyOf(sessions);
    }

    public Decision decision() {
        return decision;
    }

    public List<String> reasons() {
        return reasons;
    }

    /** Absent for HOLD and SUSPEND (and when nothing is left to change). */
    public Optional<ProposedStep> proposedStep() {
        return Optional.ofNullable(proposedStep);
    }

    /** The sessions evaluated, oldest first. */
    public List<SessionSummary> sessions() {
        return sessions;
    }

    /**
     * The decision as FHIR Parameters (body of {@code $evaluate-progress}): {@code decision} (Coding,
     * CodeSystem progress-decision), one {@code reason} (string) per reason, {@code sessionsEvaluated} (integer),
     * and when a step is proposed a {@code proposedActivity} with parts {@code activityIndex}, {@code dimension}
     * (string), {@code from}, {@code to}, {@code instantiatesCanonical}, {@code scheduledTiming} (Timing),
     * {@code supervisionLevel} (Coding), {@code treadmillSpeed} / {@code treadmillIncline} (Quantity) and
     * {@code description}; and one {@code session} per session (start, duration, RPE, pain change, near-fall).
     */
    public Parameters toParameters() {
        Parameters p = new Parameters();
        p.addParameter()
                .setName("decision")
                .setValue(new Coding(RehabCodes.CS_PROGRESS_DECISION, decision.code(), decision.display()));
        for (String r : reasons) {
            p.addParameter().setName("reason").setValue(new StringType(r));
        }
        p.addParameter().setName("sessionsEvaluated").setValue(new IntegerType(sessions.size()));
        if (proposedStep != null) {
            ParametersParameterComponent a = p.addParameter().setName("proposedActivity");
            CarePlanActivityDetailComponent d = proposedStep.proposedDetail();
            a.addPart().setName("activityIndex").setValue(new IntegerType(proposedStep.activityIndex()));
            a.addPart()
                    .setName("dimension")
                    .setValue(new StringType(proposedStep.dimension().name().toLowerCase(java.util.Locale.ROOT)));
            a.addPart().setName("from").setValue(new StringType(proposedStep.from()));
            a.addPart().setName("to").setValue(new StringType(proposedStep.to()));
            if (d.hasInstantiatesCanonical()) {
                a.addPart()
                        .setName("instantiatesCanonical")
                        .setValue(new CanonicalType(
                                d.getInstantiatesCanonical().get(0).getValue()));
            }
            if (d.hasScheduledTiming()) {
                a.addPart()
                        .setName("scheduledTiming")
                        .setValue(d.getScheduledTiming().copy());
            }
            part(a, d, RehabCodes.EXT_SUPERVISION, "supervisionLevel");
            part(a, d, RehabCodes.EXT_SPEED, "treadmillSpeed");
            part(a, d, RehabCodes.EXT_INCLINE, "treadmillIncline");
            if (d.hasDescription()) {
                a.addPart().setName("description").setValue(new StringType(d.getDescription()));
            }
        }
        for (SessionSummary s : sessions) {
            ParametersParameterComponent sp = p.addParameter().setName("session");
            sp.addPart().setName("start").setValue(new DateTimeType(java.util.Date.from(s.start())));
            s.durationMin().ifPresent(v -> sp.addPart().setName("durationMin").setValue(new DecimalType(v)));
            s.rpe().ifPresent(v -> sp.addPart().setName("rpe").setValue(new DecimalType(v)));
            s.painIncrease()
                    .ifPresent(v -> sp.addPart().setName("painIncreaseAt24h").setValue(new DecimalType(v)));
            sp.addPart().setName("nearFall").setValue(new org.hl7.fhir.r4.model.BooleanType(s.nearFall()));
        }
        return p;
    }

    private static void part(
            ParametersParameterComponent a, CarePlanActivityDetailComponent d, String url, String name) {
        Extension e = d.getExtensionByUrl(url);
        if (e != null && e.getValue() != null) {
            a.addPart().setName(name).setValue(e.getValue().copy());
        }
    }

    @Override
    public String toString() {
        return "ProgressDecision[" + decision + ", " + reasons + ", " + proposedStep + "]";
    }
}
