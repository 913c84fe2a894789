package org.rehabfhir.server.pathway;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.rehabfhir.protocols.progress.Decision;
import org.rehabfhir.protocols.progress.ProgressDecision;
import org.rehabfhir.protocols.progress.ProgressEvaluator;
import org.rehabfhir.protocols.progress.ProposedStep;
import org.rehabfhir.protocols.progress.SessionSummary;
import org.rehabfhir.protocols.progress.StepDimension;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.rehabfhir.server.engine.PatientRecord;
import org.rehabfhir.server.engine.PlanGoals;
import org.rehabfhir.server.provenance.ProvenanceRecorder;
import org.springframework.stereotype.Component;

/**
 * {@code POST CarePlan/{id}/$apply-progress}: applies what {@code $evaluate-progress} decides, in one database
 * transaction, and answers the plan as it is afterwards.
 * <ul>
 *   <li>progress or regress: the proposed activity (longer, faster, steeper, less or closer supervision, or the
 *       next phase, the current one then completed) as a new version of the CarePlan, with a note, and a
 *       Provenance whose reason is the decision and whose entities are the session Observations it rests on;
 *       {@code decision=regress} applies a regression whatever the sessions say (the clinician's call);</li>
 *   <li>suspend (a fall not yet reviewed): the plan goes on hold; only a review reactivates it ({@code $activate}
 *       with a reason);</li>
 *   <li>each stored Goal gets the achievement the outcome Observations show (achieved, improving, worsening,
 *       no-change), when it changed.</li>
 * </ul>
 * Hold with no Goal to update, a plan that is not active, or an unknown {@code decision} is a 422.
 */
@Component
public class ApplyProgressOperation implements FhirOperationProvider {

    private final PatientRecord records;
    private final DaoRegistry daoRegistry;
    private final ProgressEvaluator progress;
    private final PlanGoals goals;
    private final Transactions transactions;
    private final Clinicians clinicians;
    private final Clock clock;

    public ApplyProgressOperation(
            PatientRecord records,
            DaoRegistry daoRegistry,
            ProgressEvaluator progress,
            PlanGoals goals,
            Transactions transactions,
            Clinicians clinicians,
            Clock clock) {
        this.records = records;
        this.daoRegistry = daoRegistry;
        this.progress = progress;
        this.goals = goals;
        this.transactions = transactions;
        this.clinicians = clinicians;
        this.clock = clock;
    }

    @Operation(name = "$apply-progress", type = CarePlan.class)
    public CarePlan applyProgress(@IdParam IdType planId, @OperationParam(name = "decision", max = 1) CodeType forced) {
        clinicians.requirePhysiotherapist("Applying progression");
        CarePlan plan = records.carePlan(planId);
        if (plan.getStatus() != CarePlan.CarePlanStatus.ACTIVE) {
            throw new UnprocessableEntityException(
                    "CarePlan/" + planId.getIdPart() + " is " + plan.getStatus().toCode()
                            + ": progression is applied to an active plan"
                            + (plan.getStatus() == CarePlan.CarePlanStatus.ONHOLD
                                    ? " (review it first: $activate with a reason)"
                                    : ""));
        }
        List<Observation> sessionObservations = records.sessionObservations(plan);
        ProgressDecision decision = progress.evaluate(plan, sessionObservations);
        Optional<ProposedStep> step = decision.proposedStep();
        Decision kind = decision.decision();
        List<String> reasons = new ArrayList<>(decision.reasons());
        if (forced != null && forced.hasValue()) {
            if (!"regress".equals(forced.getValue())) {
                throw new UnprocessableEntityException("decision may only be 'regress' (the clinician's call); "
                        + "otherwise the evaluated decision is applied");
            }
            if (kind == Decision.SUSPEND) {
                throw new UnprocessableEntityException(
                        "A fall is not yet reviewed: the plan is suspended, not regressed");
            }
            kind = Decision.REGRESS;
            step = progress.regression(plan, clock.instant());
            reasons = List.of("Regression chosen by the physiotherapist");
        }
        List<PlanGoals.Assessed> changedGoals = goals.assess(plan).stream()
                .filter(a -> !a.result()
                        .achievement()
                        .equals(a.goal()
                                .getAchievementStatus()
                                .getCodingFirstRep()
                                .getCode()))
                .toList();
        boolean changesPlan = kind == Decision.SUSPEND
                || ((kind == Decision.PROGRESS || kind == Decision.REGRESS) && step.isPresent());
        if (!changesPlan && changedGoals.isEmpty()) {
            throw new UnprocessableEntityException("Nothing to apply: the decision is '" + kind.code() + "' ("
                    + String.join("; ", reasons) + ") and no Goal's achievement changed");
        }
        List<String> restsOn = decision.sessions().stream()
                .map(SessionSummary::references)
                .flatMap(List::stream)
                .filter(r -> r.startsWith("Observation/"))
                .distinct()
                .toList();
        Decision finalKind = kind;
        Optional<ProposedStep> finalStep = step;
        String why = String.join("; ", reasons);
        return transactions.inOne(() -> {
            changedGoals.forEach(this::updateGoal);
            if (!changesPlan) {
                return plan;
            }
            SystemRequestDetails request = new SystemRequestDetails();
            if (finalKind == Decision.SUSPEND) {
                plan.setStatus(CarePlan.CarePlanStatus.ONHOLD);
                plan.addNote().setText("On hold: " + why);
            } else {
                apply(plan, finalStep.get());
                plan.addNote()
                        .setText(finalKind.display() + " applied: " + describe(finalStep.get()) + " (" + why + ")");
            }
            ProvenanceRecorder.explain(
                    request,
                    new ProvenanceRecorder.Decision(
                            "CarePlan",
                            finalKind.display() + ": "
                                    + (finalStep.isPresent() && finalKind != Decision.SUSPEND
                                            ? describe(finalStep.get()) + ". "
                                            : "")
                                    + why,
                            restsOn));
            return (CarePlan) daoRegistry
                    .getResourceDao(CarePlan.class)
                    .update(plan, request)
                    .getResource();
        });
    }

    private static String describe(ProposedStep step) {
        return step.dimension().name().toLowerCase(java.util.Locale.ROOT).replace('_', ' ') + " " + step.from() + " -> "
                + step.to();
    }

    /** The step's activity replaces the plan's; the next phase also completes the phases before it. */
    private static void apply(CarePlan plan, ProposedStep step) {
        int index = step.activityIndex();
        if (step.dimension() == StepDimension.NEXT_PHASE) {
            for (int i = 0; i < index; i++) {
                var detail = plan.getActivity().get(i).getDetail();
                if (detail.getStatus() != CarePlan.CarePlanActivityStatus.CANCELLED) {
                    detail.setStatus(CarePlan.CarePlanActivityStatus.COMPLETED);
                }
            }
        }
        var detail = step.proposedDetail().copy();
        detail.setStatus(CarePlan.CarePlanActivityStatus.INPROGRESS);
        plan.getActivity().get(index).setDetail(detail);
    }

    private void updateGoal(PlanGoals.Assessed assessed) {
        Goal goal = assessed.goal();
        goal.setAchievementStatus(new CodeableConcept(assessed.result().coding()));
        goal.setStatusDate(Date.from(clock.instant()));
        goal.setStatusReason(
                "Latest " + assessed.result().latest().map(String::valueOf).orElse("-") + " against target "
                        + assessed.result().target()
                        + assessed.result().latestRef().map(r -> " (" + r + ")").orElse(""));
        daoRegistry.getResourceDao(Goal.class).update(goal, new SystemRequestDetails());
    }
}
