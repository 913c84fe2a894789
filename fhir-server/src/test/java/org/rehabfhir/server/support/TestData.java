package org.rehabfhir.server.support;

import java.util.Date;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;

/** Small builders of valid clinical resources, coded as in the clinical brief. */
public final class TestData {

    private static final org.rehabfhir.protocols.catalogue.ProtocolCatalogue CATALOGUE =
            org.rehabfhir.protocols.catalogue.ProtocolCatalogue.loadDefault(
                    ca.uhn.fhir.context.FhirContext.forR4Cached());

    /** The id the server stores a catalogue PlanDefinition under (version-specific, {@code CatalogueLoader}). */
    public static String storedPlanDefinitionId(String catalogueId) {
        return org.rehabfhir.server.engine.CatalogueLoader.storedId(
                CATALOGUE.planDefinitionById(catalogueId).orElseThrow());
    }

    public static final String SNOMED = "http://snomed.info/sct";
    public static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    public static final String LOINC = "http://loinc.org";
    public static final String UCUM = "http://unitsofmeasure.org";
    public static final String MRN_SYSTEM = "http://rehab-fhir.org/fhir/sid/test-mrn";

    private TestData() {}

    public static String uniqueMrn() {
        return "T-" + UUID.randomUUID();
    }

    public static Patient patient(String mrn) {
        Patient patient = new Patient();
        patient.addIdentifier().setSystem(MRN_SYSTEM).setValue(mrn);
        patient.setActive(true);
        patient.addName().setFamily("Test").addGiven("Pat");
        patient.setGender(Enumerations.AdministrativeGender.FEMALE);
        return patient;
    }

    public static Condition kneeOsteoarthritis(String patientRef) {
        Condition condition = new Condition();
        condition.setClinicalStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
        condition.setVerificationStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", null)));
        condition.setCode(new CodeableConcept()
                .addCoding(new Coding(SNOMED, "239873007", "Osteoarthritis of knee"))
                .addCoding(new Coding(ICD10CM, "M17.11", "Unilateral primary osteoarthritis, right knee")));
        condition.setSubject(new Reference(patientRef));
        return condition;
    }

    public static Observation timedUpAndGo(String patientRef, double seconds, String effective) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "exam", "Exam")));
        observation.setCode(new CodeableConcept(new Coding(LOINC, "89423-8", "Timed up and go")));
        observation.setSubject(new Reference(patientRef));
        observation.setEffective(new DateTimeType(effective));
        observation.setValue(
                new Quantity().setValue(seconds).setUnit("s").setSystem(UCUM).setCode("s"));
        return observation;
    }

    public static Observation painScore(String patientRef, int score, String effective) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "survey", "Survey")));
        observation.setCode(new CodeableConcept(
                new Coding(LOINC, "72514-3", "Pain severity - 0-10 verbal numeric rating [Score] - Reported")));
        observation.setSubject(new Reference(patientRef));
        observation.setEffective(new DateTimeType(effective));
        observation.setValue(new Quantity()
                .setValue(score)
                .setUnit("{score}")
                .setSystem(UCUM)
                .setCode("{score}"));
        return observation;
    }

    public static CarePlan carePlan(String patientRef, CarePlan.CarePlanStatus status) {
        CarePlan plan = new CarePlan();
        plan.setStatus(status);
        plan.setIntent(CarePlan.CarePlanIntent.PLAN);
        plan.setTitle("Supervised backward walking");
        plan.setSubject(new Reference(patientRef));
        plan.getPeriod().setStart(new Date());
        return plan;
    }

    public static Goal tugGoal(String patientRef) {
        Goal goal = new Goal();
        goal.setLifecycleStatus(Goal.GoalLifecycleStatus.PROPOSED);
        goal.setDescription(new CodeableConcept().setText("Timed Up and Go below 12 s"));
        goal.setSubject(new Reference(patientRef));
        goal.addTarget()
                .setMeasure(new CodeableConcept(new Coding(LOINC, "89423-8", "Timed up and go")))
                .setDetail(new Quantity()
                        .setValue(12)
                        .setComparator(Quantity.QuantityComparator.LESS_THAN)
                        .setUnit("s")
                        .setSystem(UCUM)
                        .setCode("s"));
        return goal;
    }

    /** The versionless references ({@code Type/id}) of a bundle's entries, in their order. */
    public static List<String> ids(Bundle bundle) {
        return ids(bundle.getEntry());
    }

    /** The versionless references ({@code Type/id}) of these entries' resources, in their order. */
    public static List<String> ids(List<Bundle.BundleEntryComponent> entries) {
        return entries.stream()
                .map(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .toList();
    }
}
