package org.rehabfhir.protocols.screening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.finding;
import static org.rehabfhir.protocols.Fixtures.quantity;

import java.util.ArrayList;
import java.util.List;
import java.util.function.Consumer;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.catalogue.RehabCodes;

class SafetyScreenerTest {

    private final SafetyScreener screener = new SafetyScreener(Fixtures.ZONE);

    /** A fully assessed record that passes every criterion. */
    static final class Rec {
        final List<Condition> conditions = new ArrayList<>();
        final List<Observation> observations = new ArrayList<>();

        static Rec safe() {
            Rec r = new Rec();
            r.observations.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 28, "{score}", 10));
            r.observations.add(finding(RehabCodes.FINDING_UNSTABLE_ANGINA, false, 5));
            r.observations.add(finding(RehabCodes.FINDING_MI, false, 5));
            r.observations.add(finding(RehabCodes.FINDING_ARRHYTHMIA, false, 5));
            r.observations.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_SYSTOLIC, 130, "mm[Hg]", 2));
            r.observations.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_DIASTOLIC, 80, "mm[Hg]", 2));
            r.observations.add(quantity(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 72, "/min", 2));
            r.observations.add(finding(RehabCodes.FINDING_TWO_STEP, true, 10));
            r.observations.add(quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_WALK_DISTANCE, 200, "m", 10));
            r.observations.add(finding(RehabCodes.FINDING_FALL_HISTORY, false, 10));
            r.observations.add(finding(RehabCodes.FINDING_MS_RELAPSE, false, 5));
            r.observations.add(finding(RehabCodes.FINDING_STEROIDS, false, 5));
            return r;
        }

        /** Replaces the Observations with this code (so the newest is the test's). */
        Rec replace(String system, String code, Observation o) {
            observations.removeIf(x -> x.getCode().getCodingFirstRep().getCode().equals(code)
                    && x.getCode().getCodingFirstRep().getSystem().equals(system));
            if (o != null) {
                observations.add(o);
            }
            return this;
        }
    }

    private ScreeningResult screen(Rec r, String group) {
        return screener.screen(r.conditions, r.observations, group, TODAY);
    }

    @Test
    void fullyAssessedSafeRecordIsClear() {
        ScreeningResult s = screen(Rec.safe(), "knee-osteoarthritis");
        assertThat(s.status()).isEqualTo(ScreeningStatus.CLEAR);
        assertThat(s.notAssessed()).isEmpty();
        assertThat(s.result(Criterion.MS_RELAPSE_OR_STEROIDS).orElseThrow().status())
                .isEqualTo(CriterionStatus.NOT_APPLICABLE);
        assertThat(s.toOperationOutcome().getIssue())
                .allMatch(i -> i.getSeverity() == OperationOutcome.IssueSeverity.INFORMATION);
    }

    static Stream<Arguments> absoluteFailures() {
        return Stream.of(
                Arguments.of(Criterion.COGNITION_MMSE, "knee-osteoarthritis", (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_MMSE,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 18, "{score}", 3))),
                Arguments.of(Criterion.COGNITION_MMSE, SafetyScreener.MS_GROUP, (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_MMSE,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 21, "{score}", 3))),
                Arguments.of(Criterion.UNSTABLE_ANGINA_RECENT, "stroke-chronic", (Consumer<Rec>) r -> r.conditions.add(
                        Fixtures.onsetDaysAgo(Fixtures.local(RehabCodes.FINDING_UNSTABLE_ANGINA), 10))),
                Arguments.of(Criterion.MYOCARDIAL_INFARCTION_RECENT, "stroke-chronic", (Consumer<Rec>)
                        r -> r.conditions.add(Fixtures.onsetDaysAgo(Fixtures.textOnly("Heart attack"), 20))),
                Arguments.of(Criterion.COMPLEX_VENTRICULAR_ARRHYTHMIA, "stroke-chronic", (Consumer<Rec>)
                        r -> r.conditions.add(Fixtures.textOnly("Ventricular tachycardia"))),
                Arguments.of(Criterion.RESTING_BLOOD_PRESSURE, "stroke-chronic", (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_SYSTOLIC,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_SYSTOLIC, 210, "mm[Hg]", 1))),
                Arguments.of(Criterion.RESTING_BLOOD_PRESSURE, "stroke-chronic", (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_DIASTOLIC,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_DIASTOLIC, 105, "mm[Hg]", 1))),
                Arguments.of(Criterion.RESTING_HEART_RATE, "stroke-chronic", (Consumer<Rec>) r -> r.replace(
                        RehabCodes.LOINC,
                        RehabCodes.LOINC_HEART_RATE,
                        quantity(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 130, "/min", 1))),
                Arguments.of(Criterion.APHASIA_TWO_STEP_COMMAND, "stroke-chronic", (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_TWO_STEP,
                        finding(RehabCodes.FINDING_TWO_STEP, false, 2))),
                Arguments.of(Criterion.MINIMUM_WALKING_DISTANCE, "stroke-chronic", (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_WALK_DISTANCE,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_WALK_DISTANCE, 8, "m", 2))),
                Arguments.of(Criterion.MINIMUM_WALKING_DISTANCE, SafetyScreener.MS_GROUP, (Consumer<Rec>)
                        r -> r.observations.add(finding(RehabCodes.FINDING_BILATERAL_SUPPORT, true, 2))),
                Arguments.of(Criterion.MS_RELAPSE_OR_STEROIDS, SafetyScreener.MS_GROUP, (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_MS_RELAPSE,
                        finding(RehabCodes.FINDING_MS_RELAPSE, true, 12))),
                Arguments.of(Criterion.MS_RELAPSE_OR_STEROIDS, SafetyScreener.MS_GROUP, (Consumer<Rec>) r -> r.replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_STEROIDS,
                        finding(RehabCodes.FINDING_STEROIDS, true, 20))),
                Arguments.of(Criterion.MS_RELAPSE_OR_STEROIDS, SafetyScreener.MS_GROUP, (Consumer<Rec>)
                        r -> r.conditions.add(Fixtures.withClinicalStatus(
                                Fixtures.icd("G35.A", "Relapsing-remitting MS"), "relapse"))));
    }

    @ParameterizedTest(name = "{0} ({1})")
    @MethodSource("absoluteFailures")
    void failedAbsoluteCriterionExcludesAndIsNamedInTheOperationOutcome(
            Criterion criterion, String group, Consumer<Rec> change) {
        Rec r = Rec.safe();
        change.accept(r);
        ScreeningResult s = screen(r, group);
        assertThat(s.excluded()).isTrue();
        assertThat(s.status()).isEqualTo(ScreeningStatus.EXCLUDED);
        assertThat(s.withStatus(CriterionStatus.EXCLUDED))
                .extracting(CriterionResult::criterion)
                .containsExactly(criterion);
        assertThat(s.toOperationOutcome().getIssue())
                .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .singleElement()
                .satisfies(i -> {
                    assertThat(i.getDetails().getCodingFirstRep().getSystem()).isEqualTo(RehabCodes.CS_CRITERION);
                    assertThat(i.getDetails().getCodingFirstRep().getCode()).isEqualTo(criterion.code());
                    assertThat(i.getDiagnostics()).isNotBlank();
                });
    }

    @Test
    void everyFailedCriterionGetsItsOwnIssue() {
        Rec r = Rec.safe();
        r.replace(
                RehabCodes.LOINC,
                RehabCodes.LOINC_HEART_RATE,
                quantity(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 135, "/min", 1));
        r.replace(
                RehabCodes.CS_FINDING,
                RehabCodes.FINDING_MMSE,
                quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 12, "{score}", 1));
        OperationOutcome oo = screen(r, "stroke-chronic").toOperationOutcome();
        assertThat(oo.getIssue())
                .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .extracting(i -> i.getDetails().getCodingFirstRep().getCode())
                .containsExactlyInAnyOrder("resting-heart-rate", "cognition-mmse");
    }

    @Test
    void mmseOf21PassesOutsideMultipleSclerosis() {
        Rec r = Rec.safe()
                .replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_MMSE,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 21, "{score}", 3));
        assertThat(screen(r, "stroke-chronic")
                        .result(Criterion.COGNITION_MMSE)
                        .orElseThrow()
                        .status())
                .isEqualTo(CriterionStatus.PASSED);
    }

    @Test
    void systolicAbove180IsRelativeAndNeedsClinicianOverride() {
        Rec r = Rec.safe()
                .replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_SYSTOLIC,
                        quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_SYSTOLIC, 190, "mm[Hg]", 1));
        ScreeningResult s = screen(r, "stroke-chronic");
        assertThat(s.excluded()).isFalse();
        assertThat(s.status()).isEqualTo(ScreeningStatus.OVERRIDE_NEEDED);
        assertThat(s.withStatus(CriterionStatus.OVERRIDE_NEEDED))
                .extracting(CriterionResult::criterion)
                .containsExactly(Criterion.RESTING_BLOOD_PRESSURE);
    }

    @Test
    void bloodPressurePanelComponentsAreRecognisedByText() {
        Rec r = Rec.safe();
        r.replace(RehabCodes.CS_FINDING, RehabCodes.FINDING_SYSTOLIC, null);
        r.replace(RehabCodes.CS_FINDING, RehabCodes.FINDING_DIASTOLIC, null);
        Observation panel = Fixtures.obs(
                RehabCodes.CS_FINDING,
                RehabCodes.FINDING_BP_PANEL,
                TODAY.minusDays(1).atTime(9, 0));
        panel.addComponent()
                .setCode(new CodeableConcept().setText("Systolic blood pressure"))
                .setValue(new Quantity(185).setUnit("mm[Hg]"));
        panel.addComponent()
                .setCode(new CodeableConcept().setText("Diastolic blood pressure"))
                .setValue(new Quantity(85).setUnit("mm[Hg]"));
        r.observations.add(panel);
        assertThat(screen(r, "stroke-chronic")
                        .result(Criterion.RESTING_BLOOD_PRESSURE)
                        .orElseThrow()
                        .status())
                .isEqualTo(CriterionStatus.OVERRIDE_NEEDED);
    }

    @Test
    void recordedAphasiaWithoutTwoStepAssessmentNeedsOverride() {
        Rec r = Rec.safe().replace(RehabCodes.CS_FINDING, RehabCodes.FINDING_TWO_STEP, null);
        r.conditions.add(Fixtures.textOnly("Expressive aphasia"));
        ScreeningResult s = screen(r, "stroke-chronic");
        assertThat(s.result(Criterion.APHASIA_TWO_STEP_COMMAND).orElseThrow().status())
                .isEqualTo(CriterionStatus.OVERRIDE_NEEDED);
        assertThat(s.excluded()).isFalse();
    }

    @Test
    void steroidsBetween30And60DaysAgoNeedOverrideInMultipleSclerosis() {
        Rec r = Rec.safe()
                .replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_STEROIDS,
                        finding(RehabCodes.FINDING_STEROIDS, true, 45));
        ScreeningResult s = screen(r, SafetyScreener.MS_GROUP);
        assertThat(s.result(Criterion.MS_RELAPSE_OR_STEROIDS).orElseThrow().status())
                .isEqualTo(CriterionStatus.OVERRIDE_NEEDED);
    }

    @ParameterizedTest
    @EnumSource(value = Criterion.class, names = "MS_RELAPSE_OR_STEROIDS", mode = EnumSource.Mode.EXCLUDE)
    void emptyRecordListsEveryCriterionAsNotAssessed(Criterion criterion) {
        ScreeningResult s = screener.screen(List.of(), List.of(), "knee-osteoarthritis", TODAY);
        assertThat(s.excluded()).isFalse();
        assertThat(s.needsReview()).isTrue();
        assertThat(s.status()).isEqualTo(ScreeningStatus.NEEDS_REVIEW);
        assertThat(s.notAssessed()).contains(criterion);
        assertThat(s.toOperationOutcome().getIssue())
                .filteredOn(i -> i.getCode() == OperationOutcome.IssueType.INCOMPLETE)
                .extracting(i -> i.getDetails().getCodingFirstRep().getCode())
                .contains(criterion.code());
    }

    @Test
    void msRelapseCriterionIsNotAssessedWithoutStatementsInMultipleSclerosis() {
        Rec r = Rec.safe().replace(RehabCodes.CS_FINDING, RehabCodes.FINDING_MS_RELAPSE, null);
        assertThat(screen(r, SafetyScreener.MS_GROUP).notAssessed()).containsExactly(Criterion.MS_RELAPSE_OR_STEROIDS);
    }

    @Test
    void staleVitalSignsAreNotAssessedRatherThanPassed() {
        Rec r = Rec.safe()
                .replace(
                        RehabCodes.LOINC,
                        RehabCodes.LOINC_HEART_RATE,
                        quantity(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 70, "/min", 45));
        ScreeningResult s = screen(r, "stroke-chronic");
        assertThat(s.notAssessed()).containsExactly(Criterion.RESTING_HEART_RATE);
        assertThat(s.status()).isEqualTo(ScreeningStatus.NEEDS_REVIEW);
    }

    @Test
    void oldMyocardialInfarctionIsNotTakenAsProofOfNoRecentEvent() {
        Rec r = Rec.safe().replace(RehabCodes.CS_FINDING, RehabCodes.FINDING_MI, null);
        r.conditions.add(Fixtures.onsetDaysAgo(Fixtures.local(RehabCodes.FINDING_MI), 400));
        assertThat(screen(r, "stroke-chronic")
                        .result(Criterion.MYOCARDIAL_INFARCTION_RECENT)
                        .orElseThrow()
                        .status())
                .isEqualTo(CriterionStatus.NOT_ASSESSED);
    }

    @Test
    void fallHistoryRaisesSupervisionAndNeverExcludes() {
        Rec r = Rec.safe()
                .replace(
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_FALL_HISTORY,
                        Fixtures.count(
                                RehabCodes.CS_FINDING,
                                RehabCodes.FINDING_FALL_HISTORY,
                                2,
                                TODAY.minusDays(3).atTime(9, 0)));
        ScreeningResult s = screen(r, "older-adult-fall-risk");
        assertThat(s.excluded()).isFalse();
        assertThat(s.supervisionRaised()).isTrue();
        assertThat(s.status()).isEqualTo(ScreeningStatus.CLEAR);
    }

    // ------------------------------------------------------------------ units (UCUM) before thresholds

    /** Per unit-bearing criterion: a value converted by UCUM meets the threshold in the threshold's unit. */
    static Stream<Arguments> convertedUnits() {
        return Stream.of(
                // 30 ft = 9.1 m: below the 11 m minimum, although 30 > 11
                Arguments.of(
                        Criterion.MINIMUM_WALKING_DISTANCE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_WALK_DISTANCE,
                        30.0,
                        "[ft_i]",
                        CriterionStatus.EXCLUDED),
                Arguments.of(
                        Criterion.MINIMUM_WALKING_DISTANCE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_WALK_DISTANCE,
                        120.0,
                        "[ft_i]",
                        CriterionStatus.PASSED),
                // 7,800 per hour = 130/min: above the 120/min limit
                Arguments.of(
                        Criterion.RESTING_HEART_RATE,
                        RehabCodes.LOINC,
                        RehabCodes.LOINC_HEART_RATE,
                        7800.0,
                        "/h",
                        CriterionStatus.EXCLUDED),
                Arguments.of(
                        Criterion.RESTING_HEART_RATE,
                        RehabCodes.LOINC,
                        RehabCodes.LOINC_HEART_RATE,
                        1.2,
                        "/s",
                        CriterionStatus.PASSED),
                // 28 kPa = 210 mm[Hg] systolic: above 200
                Arguments.of(
                        Criterion.RESTING_BLOOD_PRESSURE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_SYSTOLIC,
                        28.0,
                        "kPa",
                        CriterionStatus.EXCLUDED),
                Arguments.of(
                        Criterion.RESTING_BLOOD_PRESSURE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_SYSTOLIC,
                        16.0,
                        "kPa",
                        CriterionStatus.PASSED),
                Arguments.of(
                        Criterion.COGNITION_MMSE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_MMSE,
                        18.0,
                        "1",
                        CriterionStatus.EXCLUDED));
    }

    @ParameterizedTest(name = "{0}: {3} {4} -> {5}")
    @MethodSource("convertedUnits")
    void aValueInAnotherUcumUnitIsConvertedBeforeTheThreshold(
            Criterion criterion, String system, String code, double value, String unit, CriterionStatus expected) {
        Rec r = Rec.safe().replace(system, code, quantity(system, code, value, unit, 1));
        assertThat(screen(r, null).result(criterion).orElseThrow().status()).isEqualTo(expected);
    }

    /** Per unit-bearing criterion: a unit UCUM cannot convert (or no UCUM unit) is "not assessed", never a pass. */
    static Stream<Arguments> unconvertibleUnits() {
        return Stream.of(
                Arguments.of(
                        Criterion.MINIMUM_WALKING_DISTANCE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_WALK_DISTANCE,
                        200.0,
                        "kg"),
                Arguments.of(
                        Criterion.MINIMUM_WALKING_DISTANCE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_WALK_DISTANCE,
                        200.0,
                        "paces"),
                Arguments.of(
                        Criterion.RESTING_HEART_RATE, RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 70.0, "mm[Hg]"),
                Arguments.of(
                        Criterion.RESTING_BLOOD_PRESSURE,
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_SYSTOLIC,
                        130.0,
                        "/min"),
                Arguments.of(Criterion.COGNITION_MMSE, RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, 28.0, "s"));
    }

    @ParameterizedTest(name = "{0}: {3} {4} -> not assessed")
    @MethodSource("unconvertibleUnits")
    void aValueInAUnitThatCannotBeConvertedIsNotAssessed(
            Criterion criterion, String system, String code, double value, String unit) {
        Rec r = Rec.safe().replace(system, code, quantity(system, code, value, unit, 1));
        CriterionResult result = screen(r, null).result(criterion).orElseThrow();
        assertThat(result.status()).isEqualTo(CriterionStatus.NOT_ASSESSED);
    }

    @Test
    void aWalkingDistanceWithoutAUcumSystemIsNotAssessed() {
        Observation feet = quantity(RehabCodes.CS_FINDING, RehabCodes.FINDING_WALK_DISTANCE, 50, "ft", 1);
        feet.getValueQuantity().setSystem("http://example.org/local-units");
        Rec r = Rec.safe().replace(RehabCodes.CS_FINDING, RehabCodes.FINDING_WALK_DISTANCE, feet);
        assertThat(screen(r, null)
                        .result(Criterion.MINIMUM_WALKING_DISTANCE)
                        .orElseThrow()
                        .status())
                .isEqualTo(CriterionStatus.NOT_ASSESSED);
    }
}
