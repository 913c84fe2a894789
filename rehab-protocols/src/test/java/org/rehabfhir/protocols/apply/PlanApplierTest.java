package org.rehabfhir.protocols.apply;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Timing;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.TestFhir;
import org.rehabfhir.protocols.TestValidator;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.screening.Criterion;
import org.rehabfhir.protocols.screening.CriterionResult;
import org.rehabfhir.protocols.screening.CriterionStatus;
import org.rehabfhir.protocols.screening.ScreeningExclusionException;
import org.rehabfhir.protocols.screening.ScreeningResult;

class PlanApplierTest {

    private static final LocalDate START = LocalDate.of(2026, 12, 1);
    private final PlanApplier applier = new PlanApplier(TestFhir.CATALOGUE);
    private final Reference patient = new Reference("Patient/p1");
    private final Reference physio = new Reference("Practitioner/physio1");

    private PlanDefinition pd(String id) {
        return TestFhir.CATALOGUE.planDefinitionById(id).orElseThrow();
    }

    /** Every criterion passed except the given overrides. */
    private static ScreeningResult screening(CriterionResult... overrides) {
        List<CriterionResult> results = new java.util.ArrayList<>();
        for (Criterion c : Criterion.values()) {
            CriterionResult r = new CriterionResult(c, CriterionStatus.PASSED, "ok", List.of());
            for (CriterionResult o : overrides) {
                if (o.criterion() == c) {
                    r = o;
                }
            }
            results.add(r);
        }
        return new ScreeningResult("knee-osteoarthritis", results);
    }

    private static CarePlanActivityDetailComponent phase(CarePlan cp, int i) {
        return cp.getActivity().get(i).getDetail();
    }

    private static String supervision(CarePlanActivityDetailComponent d) {
        return ((Coding) d.getExtensionByUrl(RehabCodes.EXT_SUPERVISION).getValue()).getCode();
    }

    @Test
    void appliedKneeRegimenIsADraftPlanInstantiatingTheVersionedPlanDefinition() {
        PlanDefinition pd = pd("bw-knee-osteoarthritis");
        CarePlan cp = applier.apply(pd, patient, physio, START, screening());
        assertThat(cp.getStatus()).isEqualTo(CarePlan.CarePlanStatus.DRAFT);
        assertThat(cp.getIntent()).isEqualTo(CarePlan.CarePlanIntent.PLAN);
        assertThat(cp.getInstantiatesCanonical().get(0).getValue()).isEqualTo(pd.getUrl() + "|" + pd.getVersion());
        assertThat(cp.getSubject().getReference()).isEqualTo("Patient/p1");
        assertThat(cp.getActivity()).hasSize(pd.getAction().size());
    }

    @Test
    void eachPhaseIsAServiceRequestDetailWithScheduleAndComputedBounds() {
        CarePlan cp = applier.apply(pd("bw-knee-osteoarthritis"), patient, physio, START, screening());
        CarePlanActivityDetailComponent p1 = phase(cp, 0);
        CarePlanActivityDetailComponent p2 = phase(cp, 1);
        assertThat(p1.getKind()).isEqualTo(CarePlan.CarePlanActivityKind.SERVICEREQUEST);
        assertThat(p1.getCode().getCoding())
                .extracting(Coding::getCode)
                .containsExactly(RehabCodes.SCT_EXERCISE_THERAPY, RehabCodes.LOCAL_BACKWARD_WALKING);
        assertThat(p1.getCode().getText()).isNotBlank();
        Timing.TimingRepeatComponent r1 = p1.getScheduledTiming().getRepeat();
        assertThat(r1.getFrequency()).isEqualTo(3);
        assertThat(r1.getPeriodUnit()).isEqualTo(Timing.UnitsOfTime.WK);
        assertThat(r1.getDuration().intValue()).isEqualTo(10);
        assertThat(r1.getDurationUnit()).isEqualTo(Timing.UnitsOfTime.MIN);
        assertThat(r1.getBoundsPeriod().getStartElement().getValueAsString()).isEqualTo("2026-12-01");
        assertThat(r1.getBoundsPeriod().getEndElement().getValueAsString()).isEqualTo("2026-12-14");
        Timing.TimingRepeatComponent r2 = p2.getScheduledTiming().getRepeat();
        assertThat(r2.getBoundsPeriod().getStartElement().getValueAsString()).isEqualTo("2026-12-15");
        assertThat(r2.getBoundsPeriod().getEndElement().getValueAsString()).isEqualTo("2027-01-11");
        assertThat(cp.getPeriod().getEndElement().getValueAsString()).isEqualTo("2027-01-11");
        assertThat(p1.getInstantiatesCanonical().get(0).getValue())
                .startsWith(RehabCodes.BASE + "/ActivityDefinition/bw-knee-osteoarthritis-phase-1|");
        assertThat(p1.getPerformer()).extracting(Reference::getReference).containsExactly("Practitioner/physio1");
        assertThat(supervision(p1)).isEqualTo("2");
        assertThat(supervision(p2)).isEqualTo("3");
        assertThat(p2.getExtensionByUrl(RehabCodes.EXT_SPEED)).isNotNull();
    }

    @Test
    void concurrentPhasesShareTheirStartDate() {
        CarePlan cp = applier.apply(pd("bw-multiple-sclerosis"), patient, null, START, screening());
        assertThat(phase(cp, 1)
                        .getScheduledTiming()
                        .getRepeat()
                        .getBoundsPeriod()
                        .getStartElement()
                        .getValueAsString())
                .isEqualTo("2026-12-01");
        assertThat(phase(cp, 1).getPerformer()).isEmpty();
    }

    @Test
    void goalsAreContainedProposedAndReferencedFromPlanAndActivities() {
        CarePlan cp = applier.apply(pd("bw-knee-osteoarthritis"), patient, physio, START, screening());
        List<Goal> goals = cp.getContained().stream()
                .filter(Goal.class::isInstance)
                .map(Goal.class::cast)
                .toList();
        assertThat(goals).hasSize(2);
        assertThat(goals).allSatisfy(g -> {
            assertThat(g.getLifecycleStatus()).isEqualTo(Goal.GoalLifecycleStatus.PROPOSED);
            assertThat(g.getAchievementStatus().getCodingFirstRep().getCode()).isEqualTo("in-progress");
            assertThat(g.getTargetFirstRep().getDueDateType().getValueAsString())
                    .isEqualTo("2027-01-11");
        });
        assertThat(goals)
                .flatExtracting(g -> g.getTargetFirstRep().getMeasure().getCoding())
                .extracting(Coding::getCode)
                .containsExactlyInAnyOrder(RehabCodes.LOINC_TUG, RehabCodes.LOINC_PAIN_NRS);
        assertThat(cp.getGoal())
                .extracting(Reference::getReference)
                .containsExactlyInAnyOrder("#goal-tug", "#goal-pain");
        assertThat(phase(cp, 0).getGoal()).extracting(Reference::getReference).contains("#goal-tug");
    }

    @Test
    void evidenceLabelAndScreeningAreCarriedOnThePlan() {
        CarePlan cp = applier.apply(pd("bw-knee-osteoarthritis"), patient, physio, START, screening());
        Extension ev = cp.getExtensionByUrl(RehabCodes.EXT_EVIDENCE);
        assertThat(ev).isNotNull();
        assertThat(cp.getNote())
                .anySatisfy(n -> assertThat(n.getText()).contains("[T]").contains("Alghadir"));
        Extension scr = cp.getExtensionByUrl(RehabCodes.EXT_SCREENING_RESULT);
        assertThat(((Coding) scr.getExtensionByUrl("status").getValue()).getCode())
                .isEqualTo("clear");
        assertThat(cp.getSupportingInfo()).extracting(Reference::getReference).contains("#screening");
    }

    @Test
    void relativeFailureMarksThePlanAsNeedingClinicianOverride() {
        CarePlan cp = applier.apply(
                pd("bw-knee-osteoarthritis"),
                patient,
                physio,
                START,
                screening(new CriterionResult(
                        Criterion.RESTING_BLOOD_PRESSURE, CriterionStatus.OVERRIDE_NEEDED, "190/90", List.of())));
        Extension scr = cp.getExtensionByUrl(RehabCodes.EXT_SCREENING_RESULT);
        assertThat(((Coding) scr.getExtensionByUrl("status").getValue()).getCode())
                .isEqualTo("override-needed");
        assertThat(scr.getExtensionsByUrl("overrideNeeded"))
                .extracting(e -> ((Coding) e.getValue()).getCode())
                .containsExactly("resting-blood-pressure");
        assertThat(cp.getNote()).anySatisfy(n -> assertThat(n.getText()).contains("Clinician override needed"));
    }

    @Test
    void missingScreeningMarksThePlanForReviewListingEveryCriterion() {
        CarePlan cp = applier.apply(pd("bw-knee-osteoarthritis"), patient, physio, START, null);
        Extension scr = cp.getExtensionByUrl(RehabCodes.EXT_SCREENING_RESULT);
        assertThat(((Coding) scr.getExtensionByUrl("status").getValue()).getCode())
                .isEqualTo("needs-review");
        assertThat(scr.getExtensionsByUrl("notAssessed")).hasSize(Criterion.values().length);
    }

    @Test
    void fallHistoryRaisesSupervisionOneLevelOnEveryPhase() {
        CarePlan cp = applier.apply(
                pd("bw-knee-osteoarthritis"),
                patient,
                physio,
                START,
                screening(new CriterionResult(
                        Criterion.FALL_HISTORY, CriterionStatus.RAISES_SUPERVISION, "2 falls", List.of())));
        assertThat(supervision(phase(cp, 0))).isEqualTo("1");
        assertThat(supervision(phase(cp, 1))).isEqualTo("2");
    }

    @Test
    void excludedPatientGetsNoPlanButTheOperationOutcome() {
        ScreeningResult excluded = screening(
                new CriterionResult(Criterion.RESTING_HEART_RATE, CriterionStatus.EXCLUDED, "130/min", List.of()));
        assertThatThrownBy(() -> applier.apply(pd("bw-knee-osteoarthritis"), patient, physio, START, excluded))
                .isInstanceOfSatisfying(ScreeningExclusionException.class, e -> assertThat(e.operationOutcome()
                                .getIssueFirstRep()
                                .getDetails()
                                .getCodingFirstRep()
                                .getCode())
                        .isEqualTo("resting-heart-rate"));
    }

    @Test
    void everyAppliedRegimenValidatesAsR4() {
        for (PlanDefinition pd : TestFhir.CATALOGUE.planDefinitions()) {
            CarePlan cp = applier.apply(pd, patient, physio, START, screening());
            assertThat(TestValidator.errors(cp)).as(pd.getId()).isEmpty();
        }
    }
}
