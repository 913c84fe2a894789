package org.rehabfhir.demo;

import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;

/**
 * A complete, recent safety screen for the demo knee-osteoarthritis patient, dated relative to the day the demo
 * data is loaded (the engine only trusts recent values), so that {@code Patient/demo-knee-oa/$recommend-regimens}
 * shows a plan that needs no review. Codes as in {@code docs/observation-examples.md}: LOINC heart rate, the
 * project's own (unverified) clinical-finding codes for the rest.
 */
final class DemoScreening {

    private static final String PATIENT = "Patient/demo-knee-oa";
    private static final String FINDING = "http://rehab-fhir.org/fhir/CodeSystem/clinical-finding";
    private static final String LOINC = "http://loinc.org";
    private static final String UCUM = "http://unitsofmeasure.org";

    private record Item(String id, String system, String code, Type value, int daysAgo, String category) {}

    private DemoScreening() {}

    static void addTo(Bundle transaction, OffsetDateTime now) {
        List<Item> items = List.of(
                new Item("mmse", FINDING, "mmse-total", score(28), 10, "exam"),
                new Item("angina", FINDING, "unstable-angina", new BooleanType(false), 5, "exam"),
                new Item("mi", FINDING, "myocardial-infarction", new BooleanType(false), 5, "exam"),
                new Item("arrhythmia", FINDING, "complex-ventricular-arrhythmia", new BooleanType(false), 5, "exam"),
                new Item("systolic", FINDING, "resting-systolic-bp", quantity(132, "mm[Hg]"), 2, "vital-signs"),
                new Item("diastolic", FINDING, "resting-diastolic-bp", quantity(82, "mm[Hg]"), 2, "vital-signs"),
                new Item("heart-rate", LOINC, "8867-4", quantity(74, "/min"), 2, "vital-signs"),
                new Item("two-step", FINDING, "follows-two-step-command", new BooleanType(true), 10, "exam"),
                new Item("walk", FINDING, "max-walking-distance", quantity(250, "m"), 10, "exam"),
                new Item("falls", FINDING, "fall-history", new BooleanType(false), 10, "exam"));
        for (Item item : items) {
            Observation observation = new Observation();
            observation.setId("demo-knee-oa-" + item.id());
            observation.setStatus(Observation.ObservationStatus.FINAL);
            observation.addCategory(new CodeableConcept(
                    new Coding("http://terminology.hl7.org/CodeSystem/observation-category", item.category(), null)));
            observation.setCode(new CodeableConcept(new Coding(item.system(), item.code(), null)));
            observation.setSubject(new Reference(PATIENT));
            observation.setEffective(new DateTimeType(Date.from(now.minusDays(item.daysAgo())
                    .withHour(10)
                    .withMinute(0)
                    .withSecond(0)
                    .withNano(0)
                    .toInstant())));
            observation.setValue(item.value());
            transaction
                    .addEntry()
                    .setFullUrl("Observation/" + observation.getIdPart())
                    .setResource(observation)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.PUT)
                    .setUrl("Observation/" + observation.getIdPart());
        }
    }

    static OffsetDateTime now() {
        return OffsetDateTime.now(ZoneOffset.UTC);
    }

    private static Quantity quantity(double value, String unit) {
        return new Quantity().setValue(value).setUnit(unit).setSystem(UCUM).setCode(unit);
    }

    private static Quantity score(double value) {
        return quantity(value, "{score}");
    }
}
