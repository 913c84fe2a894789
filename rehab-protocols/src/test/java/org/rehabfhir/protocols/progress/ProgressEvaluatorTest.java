package org.rehabfhir.protocols.progress;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;

import java.time.LocalDateTime;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.TestFhir;
import org.rehabfhir.protocols.TestValidator;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.catalogue.RehabCodes;

class ProgressEvaluatorTest {

    private static final String PLAN_REF = "CarePlan/cp1";
    private final ProgressEvaluator evaluator = new ProgressEvaluator(TestFhir.CATALOGUE, Fixtures.ZONE);

    private static CarePlan plan(String regimen) {
        CarePlan cp = new PlanApplier(TestFhir.CATALOGUE)
                .apply(
                        TestFhir.CATALOGUE.planDefinitionById(regimen).orElseThrow(),
                        new Reference("Patient/p1"),
                        new Reference("Practitioner/x"),
                        TODAY.minusDays(7),
                        null);
        cp.setId("cp1");
        cp.getActivityFirstRep().getDetail().setStatus(CarePlan.CarePlanActivityStatus.INPROGRESS);
        return cp;
    }

    /** Session history builder: each session is logged as the brief's Observations, basedOn the plan. */
    private static final class History {
        final List<Observation> obs = new ArrayList<>();

        History session(
                int daysAgo, double minutes, Double rpe, Double painBefore, Double painAfter24h, boolean nearFall) {
            LocalDateTime t = TODAY.minusDays(daysAgo).atTime(10, 0);
            add(Fixtures.quantity(RehabCodes.LOINC, RehabCodes.LOINC_EXERCISE_DURATION, minutes, "min", 0), t);
            if (rpe != null) {
                add(score(RehabCodes.LOINC_RPE, rpe), t.plusMinutes(20));
            }
            if (painBefore != null) {
                add(score(RehabCodes.LOINC_PAIN_NRS, painBefore), t.minusMinutes(10));
            }
            if (painAfter24h != null) {
                add(score(RehabCodes.LOINC_PAIN_NRS, painAfter24h), t.plusHours(24));
            }
            if (nearFall) {
                add(Fixtures.finding(RehabCodes.FINDING_NEAR_FALL, true, 0), t.plusMinutes(5));
            }
            return this;
        }

        History ok(int daysAgo) {
            return session(daysAgo, 10, 4.0, 2.0, 3.0, false);
        }

        History event(String code, int daysAgo) {
            add(Fixtures.finding(code, true, 0), TODAY.minusDays(daysAgo).atTime(11, 0));
            return this;
        }

        private static Observation score(String loinc, double v) {
            Observation o = Fixtures.obs(RehabCodes.LOINC, loinc, TODAY.atStartOfDay());
            o.setValue(new Quantity()
                    .setValue(v)
                    .setUnit("{score}")
                    .setSystem(RehabCodes.UCUM)
                    .setCode("{score}"));
            return o;
        }

        private void add(Observation o, LocalDateTime when) {
            o.setEffective(new org.hl7.fhir.r4.model.DateTimeType(
                    java.util.Date.from(when.atZone(Fixtures.ZONE).toInstant())));
            Fixtures.basedOn(o, PLAN_REF);
            obs.add(o);
        }
    }

    private static void setDuration(CarePlan cp, double minutes) {
        cp.getActivityFirstRep().getDetail().getScheduledTiming().getRepeat().setDuration(minutes);
    }

    private static void setQuantity(CarePlan cp, String url, double v, String unit) {
        var d = cp.getActivityFirstRep().getDetail();
        d.getExtension().removeIf(e -> url.equals(e.getUrl()));
        d.addExtension(
                url,
                new Quantity()
                        .setValue(v)
                        .setUnit(unit)
                        .setSystem(RehabCodes.UCUM)
                        .setCode(unit));
    }

    @Test
    void twoGoodSessionsProgressSessionTimeFirst() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"), new History().ok(4).ok(2).obs);
        assertThat(d.decision()).isEqualTo(Decision.PROGRESS);
        ProposedStep step = d.proposedStep().orElseThrow();
        assertThat(step.dimension()).isEqualTo(StepDimension.DURATION);
        assertThat(step.from()).isEqualTo("10 min");
        assertThat(step.to()).isEqualTo("15 min");
        assertThat(step.proposedDetail()
                        .getScheduledTiming()
                        .getRepeat()
                        .getDuration()
                        .doubleValue())
                .isEqualTo(15);
    }

    @Test
    void progressionRaisesSpeedOnceTimeIsAtItsCeilingThenIncline() {
        CarePlan cp = plan("bw-acl-reconstruction");
        setDuration(cp, 20);
        assertThat(evaluator
                        .evaluate(cp, new History().ok(4).ok(2).obs)
                        .proposedStep()
                        .orElseThrow()
                        .dimension())
                .isEqualTo(StepDimension.SPEED);
        setQuantity(cp, RehabCodes.EXT_SPEED, 2.4, "km/h");
        ProposedStep incline = evaluator
                .evaluate(cp, new History().ok(4).ok(2).obs)
                .proposedStep()
                .orElseThrow();
        assertThat(incline.dimension()).isEqualTo(StepDimension.INCLINE);
        assertThat(incline.to()).isEqualTo("5 deg");
    }

    @Test
    void progressionReducesSupervisionWhenDoseIsAtItsCeiling() {
        CarePlan cp = plan("bw-chronic-low-back-pain");
        setDuration(cp, 30);
        ProposedStep step = evaluator
                .evaluate(cp, new History().ok(4).ok(2).obs)
                .proposedStep()
                .orElseThrow();
        assertThat(step.dimension()).isEqualTo(StepDimension.SUPERVISION);
        assertThat(((Coding) step.proposedDetail()
                                .getExtensionByUrl(RehabCodes.EXT_SUPERVISION)
                                .getValue())
                        .getCode())
                .isEqualTo("4");
    }

    @Test
    void progressionAtTheTopOfAPhaseProposesTheNextPhase() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-knee-osteoarthritis"), new History().ok(4).ok(2).obs);
        assertThat(d.decision()).isEqualTo(Decision.PROGRESS);
        assertThat(d.proposedStep().orElseThrow().dimension()).isEqualTo(StepDimension.NEXT_PHASE);
        assertThat(d.proposedStep().orElseThrow().activityIndex()).isEqualTo(1);
    }

    @Test
    void singleGoodSessionHolds() {
        ProgressDecision d = evaluator.evaluate(plan("bw-chronic-low-back-pain"), new History().ok(2).obs);
        assertThat(d.decision()).isEqualTo(Decision.HOLD);
        assertThat(d.reasons()).anySatisfy(r -> assertThat(r).contains("Only 1 session"));
        assertThat(d.proposedStep()).isEmpty();
    }

    @Test
    void rpeOfSixHoldsWithoutRegressing() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"), new History().ok(4).session(2, 10, 6.0, 2.0, 3.0, false).obs);
        assertThat(d.decision()).isEqualTo(Decision.HOLD);
        assertThat(d.reasons()).anySatisfy(r -> assertThat(r).contains("RPE 6"));
    }

    @Test
    void missingPainAt24HoursHoldsAndSaysSo() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"), new History().ok(4).session(2, 10, 4.0, 2.0, null, false).obs);
        assertThat(d.decision()).isEqualTo(Decision.HOLD);
        assertThat(d.reasons())
                .anySatisfy(r -> assertThat(r).contains("24 h after").contains("not recorded"));
    }

    @Test
    void nearFallRegressesWithCloserSupervisionAtTheStartingDose() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"), new History().ok(4).session(2, 10, 4.0, 2.0, 2.0, true).obs);
        assertThat(d.decision()).isEqualTo(Decision.REGRESS);
        assertThat(d.reasons()).anySatisfy(r -> assertThat(r).contains("Near-fall"));
        ProposedStep step = d.proposedStep().orElseThrow();
        assertThat(step.dimension()).isEqualTo(StepDimension.SUPERVISION);
        assertThat(step.to()).isEqualTo("level 2");
    }

    @Test
    void rpeOfSevenRegressesTheLastProgressedDimension() {
        CarePlan cp = plan("bw-chronic-low-back-pain");
        setDuration(cp, 20);
        ProgressDecision d = evaluator.evaluate(cp, new History().ok(4).session(2, 20, 7.0, 2.0, 2.0, false).obs);
        assertThat(d.decision()).isEqualTo(Decision.REGRESS);
        assertThat(d.proposedStep().orElseThrow().dimension()).isEqualTo(StepDimension.DURATION);
        assertThat(d.proposedStep().orElseThrow().to()).isEqualTo("15 min");
    }

    @Test
    void painUpMoreThanTwoPointsAt24HoursRegresses() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-knee-osteoarthritis"), new History().ok(4).session(2, 10, 3.0, 2.0, 5.0, false).obs);
        assertThat(d.decision()).isEqualTo(Decision.REGRESS);
        assertThat(d.reasons()).anySatisfy(r -> assertThat(r).contains("Pain NRS up 3"));
    }

    @Test
    void painUpExactlyTwoPointsStillAllowsProgress() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"),
                new History().session(4, 10, 5.0, 2.0, 4.0, false).session(2, 10, 5.0, 2.0, 4.0, false).obs);
        assertThat(d.decision()).isEqualTo(Decision.PROGRESS);
    }

    @Test
    void fallSuspendsUntilClinicianReview() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"),
                new History().ok(6).ok(4).event(RehabCodes.FINDING_FALL, 3).ok(2).obs);
        assertThat(d.decision()).isEqualTo(Decision.SUSPEND);
        assertThat(d.proposedStep()).isEmpty();
        assertThat(d.reasons()).anySatisfy(r -> assertThat(r).contains("clinician"));
    }

    @Test
    void reviewAfterAFallLiftsTheSuspensionAndRestartsTheCount() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"),
                new History()
                        .ok(6)
                        .event(RehabCodes.FINDING_FALL, 5)
                        .event(RehabCodes.FINDING_REVIEW_AFTER_FALL, 4)
                        .ok(2)
                        .obs);
        assertThat(d.decision()).isEqualTo(Decision.HOLD);
        assertThat(d.sessions()).hasSize(1);
    }

    @Test
    void observationsOfAnotherPlanAreIgnored() {
        History h = new History().ok(4).ok(2);
        h.obs.forEach(o -> o.getBasedOn().get(0).setReference("CarePlan/other"));
        ProgressDecision d = evaluator.evaluate(plan("bw-chronic-low-back-pain"), h.obs);
        assertThat(d.decision()).isEqualTo(Decision.HOLD);
        assertThat(d.sessions()).isEmpty();
    }

    @Test
    void decisionRendersAsValidParameters() {
        ProgressDecision d = evaluator.evaluate(
                plan("bw-chronic-low-back-pain"), new History().ok(4).ok(2).obs);
        Parameters p = d.toParameters();
        assertThat(((Coding) p.getParameter("decision").getValue()).getCode()).isEqualTo("progress");
        assertThat(p.getParameter("proposedActivity").getPart())
                .extracting(Parameters.ParametersParameterComponent::getName)
                .contains("dimension", "from", "to", "scheduledTiming", "supervisionLevel");
        assertThat(p.getParameters("reason")).isNotEmpty();
        assertThat(TestValidator.errors(p)).isEmpty();
    }

    @Test
    void evaluatorDoesNotModifyThePlan() {
        CarePlan cp = plan("bw-chronic-low-back-pain");
        String before = TestFhir.CTX.newJsonParser().encodeResourceToString(cp);
        evaluator.evaluate(cp, new History().ok(4).ok(2).obs);
        assertThat(TestFhir.CTX.newJsonParser().encodeResourceToString(cp)).isEqualTo(before);
    }
}
