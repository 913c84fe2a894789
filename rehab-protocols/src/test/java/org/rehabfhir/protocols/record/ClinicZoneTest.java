package org.rehabfhir.protocols.record;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.ZONE;

import java.time.LocalDate;
import java.util.List;
import java.util.TimeZone;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.TestFhir;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.progress.ProgressEvaluator;
import org.rehabfhir.protocols.progress.SessionSummary;
import org.rehabfhir.protocols.screening.Criterion;
import org.rehabfhir.protocols.screening.CriterionStatus;
import org.rehabfhir.protocols.screening.SafetyScreener;

/**
 * "Today", "N days ago" and "the same day as the session" are days of the clinic's zone (Europe/Berlin here), whatever
 * the JVM's zone is: these tests run with the JVM in America/Los_Angeles, where the instants below fall on another
 * day.
 */
class ClinicZoneTest {

    private TimeZone jvmZone;

    @BeforeEach
    void jvmElsewhere() {
        jvmZone = TimeZone.getDefault();
        TimeZone.setDefault(TimeZone.getTimeZone("America/Los_Angeles"));
    }

    @AfterEach
    void restore() {
        TimeZone.setDefault(jvmZone);
    }

    private static Observation observation(String code, String effective, double value, String unit) {
        Observation o = new Observation();
        o.setId(code + "-" + effective.hashCode());
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept(new Coding(RehabCodes.LOINC, code, code)));
        o.setEffective(new DateTimeType(effective));
        o.setValue(new Quantity()
                .setValue(value)
                .setSystem(RehabCodes.UCUM)
                .setCode(unit)
                .setUnit(unit));
        o.addBasedOn(new Reference("CarePlan/cp1"));
        return o;
    }

    @Test
    void recencyWindowCountsDaysOfTheClinic() {
        // 2026-10-26 00:30 in Berlin (30 days before TODAY: recent); 2026-10-25 in Los Angeles (31 days: stale)
        Observation heartRate = observation(RehabCodes.LOINC_HEART_RATE, "2026-10-25T23:30:00Z", 80, "/min");

        var result = new SafetyScreener(ZONE)
                .screen(List.of(), List.of(heartRate), null, TODAY)
                .result(Criterion.RESTING_HEART_RATE)
                .orElseThrow();

        assertThat(result.status()).isEqualTo(CriterionStatus.PASSED);
    }

    @Test
    void sessionMeasurementsBelongToTheSessionsDayInTheClinic() {
        CarePlan plan = new PlanApplier(TestFhir.CATALOGUE)
                .apply(
                        TestFhir.CATALOGUE
                                .planDefinitionById("bw-knee-osteoarthritis")
                                .orElseThrow(),
                        new Reference("Patient/p1"),
                        null,
                        TODAY.minusDays(7),
                        null);
        plan.setId("cp1");
        // session 2026-11-21 00:30 Berlin (2026-11-20 in Los Angeles); RPE 2026-11-21 09:00 Berlin (also 11-21 there)
        Observation session = observation(RehabCodes.LOINC_EXERCISE_DURATION, "2026-11-20T23:30:00Z", 10, "min");
        Observation rpe = observation(RehabCodes.LOINC_RPE, "2026-11-21T09:00:00+01:00", 4, "{score}");

        List<SessionSummary> sessions = new ProgressEvaluator(TestFhir.CATALOGUE, ZONE)
                .evaluate(plan, List.of(session, rpe))
                .sessions();

        assertThat(sessions).singleElement().satisfies(s -> assertThat(s.rpe()).contains(4.0));
    }

    @Test
    void instantsConvertToTheClinicsZoneDatesStayAsWritten() {
        Condition onsetLateInTheEvening = new Condition().setOnset(new DateTimeType("2026-11-24T23:30:00Z"));
        Condition onsetDay = new Condition().setOnset(new DateTimeType("2026-11-25"));
        Observation issuedOnly = new Observation().setIssuedElement(new InstantType("2026-11-24T23:30:00Z"));

        assertThat(Conditions.onsetDate(onsetLateInTheEvening, ZONE)).contains(TODAY);
        assertThat(Conditions.onsetDate(onsetDay, ZONE)).contains(TODAY);
        assertThat(Observations.effectiveDate(issuedOnly, ZONE)).contains(TODAY);
        assertThat(Dates.localDate(new DateType("2026-11"), ZONE)).contains(LocalDate.of(2026, 11, 1));
        assertThat(Dates.localDate(new DateTimeType("2026-11-25T01:00:00"), ZONE))
                .contains(TODAY);
    }
}
