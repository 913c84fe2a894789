package org.rehabfhir.protocols;

import java.time.LocalDate;
import java.time.LocalDateTime;
import java.time.ZoneId;
import java.util.Date;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/** Builders for test records. Dates are relative to {@link #TODAY}. */
public final class Fixtures {

    public static final LocalDate TODAY = LocalDate.of(2026, 11, 25);
    /** The clinic's time zone of the tests (not the JVM's: see ClinicZoneTest). */
    public static final ZoneId ZONE = ZoneId.of("Europe/Berlin");

    private static int seq;

    private Fixtures() {}

    public static Patient patientAged(int years) {
        Patient p = new Patient();
        p.setId("p" + (++seq));
        p.setBirthDateElement(new DateType(TODAY.minusYears(years).minusDays(10).toString()));
        return p;
    }

    public static Condition condition(String system, String code, String display) {
        Condition c = new Condition();
        c.setId("c" + (++seq));
        c.setClinicalStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", "Active")));
        c.setVerificationStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", "Confirmed")));
        c.setCode(new CodeableConcept(new Coding(system, code, display)));
        return c;
    }

    public static Condition snomed(String code, String display) {
        return condition(RehabCodes.SNOMED, code, display);
    }

    public static Condition icd(String code, String display) {
        return condition(RehabCodes.ICD10CM, code, display);
    }

    public static Condition local(String code) {
        return condition(RehabCodes.CS_FINDING, code, code);
    }

    public static Condition textOnly(String text) {
        Condition c = condition(RehabCodes.SNOMED, "x", "x");
        c.getCode().getCoding().clear();
        c.getCode().setText(text);
        return c;
    }

    public static Condition onsetDaysAgo(Condition c, int days) {
        c.setOnset(new DateTimeType(toDate(TODAY.minusDays(days))));
        return c;
    }

    public static Condition withClinicalStatus(Condition c, String status) {
        c.getClinicalStatus().getCodingFirstRep().setCode(status);
        return c;
    }

    public static Condition withVerificationStatus(Condition c, String status) {
        c.getVerificationStatus().getCodingFirstRep().setCode(status);
        return c;
    }

    public static Observation obs(String system, String code, LocalDateTime when) {
        Observation o = new Observation();
        o.setId("o" + (++seq));
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.setCode(new CodeableConcept(new Coding(system, code, code)));
        o.setEffective(new DateTimeType(Date.from(when.atZone(ZONE).toInstant())));
        return o;
    }

    public static Observation quantity(String system, String code, double value, String unit, int daysAgo) {
        Observation o = obs(system, code, TODAY.minusDays(daysAgo).atTime(10, 0));
        o.setValue(new Quantity()
                .setValue(value)
                .setUnit(unit)
                .setSystem(RehabCodes.UCUM)
                .setCode(unit));
        return o;
    }

    public static Observation finding(String code, boolean present, int daysAgo) {
        Observation o =
                obs(RehabCodes.CS_FINDING, code, TODAY.minusDays(daysAgo).atTime(10, 0));
        o.setValue(new BooleanType(present));
        return o;
    }

    public static Observation count(String system, String code, int value, LocalDateTime when) {
        Observation o = obs(system, code, when);
        o.setValue(new IntegerType(value));
        return o;
    }

    public static Observation basedOn(Observation o, String carePlanRef) {
        o.addBasedOn(new Reference(carePlanRef));
        return o;
    }

    public static Date toDate(LocalDate d) {
        return Date.from(d.atStartOfDay(ZONE).toInstant());
    }
}
