package org.rehabfhir.server.engine;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/** Observations for the engine ITs, dated relative to now, coded as in docs/observation-examples.md. */
final class SessionData {

    static final String LOINC = "http://loinc.org";
    static final String FINDING = "http://rehab-fhir.org/fhir/CodeSystem/clinical-finding";
    static final String UCUM = "http://unitsofmeasure.org";
    static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";

    private SessionData() {}

    /** A complete, reassuring screening record: every criterion assessed recently, nothing excluding. */
    static List<Observation> safeScreening(String patientRef) {
        List<Observation> list = new ArrayList<>();
        list.add(quantity(patientRef, FINDING, "mmse-total", 28, "{score}", daysAgo(10), "exam"));
        list.add(finding(patientRef, "unstable-angina", false, daysAgo(5)));
        list.add(finding(patientRef, "myocardial-infarction", false, daysAgo(5)));
        list.add(finding(patientRef, "complex-ventricular-arrhythmia", false, daysAgo(5)));
        list.add(quantity(patientRef, FINDING, "resting-systolic-bp", 130, "mm[Hg]", daysAgo(2), "vital-signs"));
        list.add(quantity(patientRef, FINDING, "resting-diastolic-bp", 80, "mm[Hg]", daysAgo(2), "vital-signs"));
        list.add(heartRate(patientRef, 72, daysAgo(2)));
        list.add(finding(patientRef, "follows-two-step-command", true, daysAgo(10)));
        list.add(quantity(patientRef, FINDING, "max-walking-distance", 200, "m", daysAgo(10), "exam"));
        list.add(finding(patientRef, "fall-history", false, daysAgo(10)));
        list.add(finding(patientRef, "ms-relapse", false, daysAgo(5)));
        list.add(finding(patientRef, "systemic-corticosteroid-course", false, daysAgo(5)));
        return list;
    }

    static Observation heartRate(String patientRef, double perMinute, OffsetDateTime when) {
        return quantity(patientRef, LOINC, "8867-4", perMinute, "/min", when, "vital-signs");
    }

    static Observation duration(String patientRef, String carePlanRef, double minutes, OffsetDateTime when) {
        return basedOn(quantity(patientRef, LOINC, "55411-3", minutes, "min", when, "activity"), carePlanRef);
    }

    static Observation rpe(String patientRef, String carePlanRef, double score, OffsetDateTime when) {
        return basedOn(quantity(patientRef, LOINC, "82289-0", score, "{score}", when, "survey"), carePlanRef);
    }

    static Observation pain(String patientRef, String carePlanRef, double score, OffsetDateTime when) {
        return basedOn(quantity(patientRef, LOINC, "72514-3", score, "{score}", when, "survey"), carePlanRef);
    }

    static Observation event(String patientRef, String carePlanRef, String code, OffsetDateTime when) {
        Observation o = finding(patientRef, code, true, when);
        o.getCategoryFirstRep().getCodingFirstRep().setCode("activity");
        return basedOn(o, carePlanRef);
    }

    static OffsetDateTime daysAgo(int days) {
        return OffsetDateTime.now(ZoneOffset.UTC)
                .minusDays(days)
                .withHour(10)
                .withMinute(0)
                .withSecond(0)
                .withNano(0);
    }

    private static Observation finding(String patientRef, String code, boolean present, OffsetDateTime when) {
        Observation o = base(patientRef, FINDING, code, when, "exam");
        o.setValue(new BooleanType(present));
        return o;
    }

    private static Observation quantity(
            String patientRef,
            String system,
            String code,
            double value,
            String unit,
            OffsetDateTime when,
            String category) {
        Observation o = base(patientRef, system, code, when, category);
        o.setValue(new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit));
        return o;
    }

    private static Observation base(
            String patientRef, String system, String code, OffsetDateTime when, String category) {
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory(new CodeableConcept(new Coding(CATEGORY, category, null)));
        o.setCode(new CodeableConcept(new Coding(system, code, null)));
        o.setSubject(new Reference(patientRef));
        o.setEffective(new DateTimeType(java.util.Date.from(when.toInstant())));
        return o;
    }

    private static Observation basedOn(Observation o, String carePlanRef) {
        o.addBasedOn(new Reference(carePlanRef));
        return o;
    }
}
