package org.rehabfhir.app.plan;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Map;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Timing;
import org.junit.jupiter.api.Test;
import org.rehabfhir.app.fhir.Fhir;

class PlanEditsTest {

    /** One phase: 10 min (up to 15), 3x/week, 1.6 km/h (ladder up to 2.4), supervision 3 (least 3). */
    static CarePlan draft() {
        CarePlan plan = new CarePlan();
        CarePlan.CarePlanActivityDetailComponent d = plan.addActivity().getDetail();
        Timing.TimingRepeatComponent r = d.getScheduledTiming().getRepeat();
        r.setDuration(10)
                .setDurationMax(15)
                .setDurationUnit(Timing.UnitsOfTime.MIN)
                .setFrequency(3)
                .setPeriod(1)
                .setPeriodUnit(Timing.UnitsOfTime.WK);
        d.addExtension(Fhir.EXT_SPEED, new Quantity(1.6).setUnit("km/h"));
        d.addExtension(Fhir.EXT_SUPERVISION, new Coding(PlanView.CS_SUPERVISION, "3", null));
        Extension ladder = d.addExtension().setUrl(PlanView.EXT_LADDER);
        ladder.addExtension("speedMax", new Quantity(2.4));
        ladder.addExtension("leastSupervision", new Coding(PlanView.CS_SUPERVISION, "3", null));
        return plan;
    }

    @Test
    void editsWithinTheLimitsAreApplied() {
        CarePlan plan = draft();
        assertThat(PlanEdits.apply(
                        plan,
                        Map.of("p0.minutes", "15", "p0.frequency", "4", "p0.speed", "2.0", "p0.supervision", "2")))
                .isEmpty();
        CarePlan.CarePlanActivityDetailComponent d = plan.getActivityFirstRep().getDetail();
        assertThat(d.getScheduledTiming().getRepeat().getDuration()).isEqualByComparingTo("15");
        assertThat(d.getScheduledTiming().getRepeat().getFrequency()).isEqualTo(4);
        assertThat(((Quantity) d.getExtensionByUrl(Fhir.EXT_SPEED).getValue()).getValue())
                .isEqualByComparingTo("2.0");
        assertThat(((Coding) d.getExtensionByUrl(Fhir.EXT_SUPERVISION).getValue()).getCode())
                .isEqualTo("2");
    }

    @Test
    void editsOutsideTheLimitsAreErrorsOfTheirFieldsAndChangeNothing() {
        CarePlan plan = draft();
        Map<String, String> errors = PlanEdits.apply(
                plan, Map.of("p0.minutes", "16", "p0.speed", "3", "p0.supervision", "4", "p0.frequency", "2.5"));
        assertThat(errors).containsOnlyKeys("p0.minutes", "p0.speed", "p0.supervision", "p0.frequency");
        assertThat(errors.get("p0.minutes")).contains("between 1 and 15");
        assertThat(errors.get("p0.speed")).contains("2.4 km/h");
        assertThat(plan.getActivityFirstRep()
                        .getDetail()
                        .getScheduledTiming()
                        .getRepeat()
                        .getDuration())
                .isEqualByComparingTo("10");
    }

    @Test
    void phaseViewShowsTheDoseAndItsLimits() {
        PlanView.Phase phase = PlanView.phase(0, draft().getActivityFirstRep().getDetail());
        assertThat(phase.maxMinutes()).isEqualByComparingTo("15");
        assertThat(phase.maxSpeed()).isEqualByComparingTo("2.4");
        assertThat(phase.leastSupervision()).isEqualTo(3);
        assertThat(phase.schedule()).isEqualTo("10 min, 3× per week, 1.6 km/h");
    }
}
