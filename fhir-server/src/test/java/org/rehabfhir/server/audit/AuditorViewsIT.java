package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.math.BigDecimal;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;

/** {@code $access-log} and {@code $rehab-outcomes} answer what the stored data implies. */
class AuditorViewsIT extends AbstractFhirServerIT {

    static final String KNEE_OA_PLAN = "http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis";
    static final String OUTCOME_CS = "http://rehab-fhir.org/fhir/CodeSystem/outcome-measure";
    /** Test data only: marks the patients of one test's cohort. */
    static final String COHORT_CS = "http://example.org/rehab-fhir-tests/cohort";

    @Test
    void accessLogListsTheDatesAndPurposesOfReadsOfThePatient() {
        String patient = newPatient();
        IGenericClient alice = physio();
        alice.read()
                .resource(Patient.class)
                .withId(patient)
                .withAdditionalHeader("X-Purpose-Of-Use", "TREAT")
                .execute();
        alice.read()
                .resource(Patient.class)
                .withId(patient)
                .withAdditionalHeader("X-Purpose-Of-Use", "http://terminology.hl7.org/CodeSystem/v3-ActReason|PATRQT")
                .execute();
        alice.search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId(patient))
                .returnBundle(Bundle.class)
                .execute();
        assertThatThrownBy(() ->
                        auditor().read().resource(Patient.class).withId(patient).execute())
                .isInstanceOf(ForbiddenOperationException.class); // denied: not an access to the data

        Parameters log = auditor()
                .operation()
                .onInstance(new IdType(patient))
                .named("$access-log")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();

        // expected: the successful reads and searches the audit trail holds for this patient
        Bundle events = auditor()
                .search()
                .forResource(AuditEvent.class)
                .where(AuditEvent.PATIENT.hasId(patient))
                .count(200)
                .returnBundle(Bundle.class)
                .execute();
        List<AuditEvent> reads = events.getEntry().stream()
                .map(e -> (AuditEvent) e.getResource())
                .filter(e -> e.getOutcome() == AuditEvent.AuditEventOutcome._0)
                .filter(e -> e.getAction() == AuditEvent.AuditEventAction.R
                        || e.getAction() == AuditEvent.AuditEventAction.E)
                .filter(e -> !e.getOutcomeDesc().contains("$access-log"))
                .sorted(Comparator.comparing((AuditEvent e) ->
                                Long.parseLong(e.getIdElement().getIdPart()))
                        .reversed())
                .toList();
        assertThat(reads).hasSize(3);
        List<ParametersParameterComponent> accesses = log.getParameter().stream()
                .filter(p -> p.getName().equals("access"))
                .toList();
        assertThat(log.getParameterValue("total").primitiveValue()).isEqualTo("3");
        assertThat(accesses).hasSize(3);
        for (int i = 0; i < reads.size(); i++) {
            ParametersParameterComponent access = accesses.get(i);
            AuditEvent event = reads.get(i);
            assertThat(part(access, "auditEvent").get(0).getValue())
                    .isInstanceOfSatisfying(Reference.class, r -> assertThat(r.getReference())
                            .isEqualTo("AuditEvent/" + event.getIdElement().getIdPart()));
            assertThat(((DateTimeType) part(access, "date").get(0).getValue())
                                    .getValue()
                                    .getTime()
                            / 1000)
                    .isEqualTo(event.getRecorded().getTime() / 1000);
            List<String> purposes = part(access, "purposeOfUse").stream()
                    .map(p -> ((Coding) p.getValue()).getCode())
                    .toList();
            assertThat(purposes)
                    .isEqualTo(event.getPurposeOfEvent().stream()
                            .map(c -> c.getCodingFirstRep().getCode())
                            .toList());
        }
        // newest first: the search (no purpose), then PATRQT, then TREAT
        assertThat(part(accesses.get(0), "interaction").get(0).getValue().primitiveValue())
                .isEqualTo("search-type");
        assertThat(part(accesses.get(1), "purposeOfUse"))
                .extracting(p -> ((Coding) p.getValue()).getCode())
                .containsExactly("PATRQT");
        assertThat(part(accesses.get(2), "purposeOfUse"))
                .extracting(p -> ((Coding) p.getValue()).getCode())
                .containsExactly("TREAT");
    }

    @Test
    void accessLogOfAPatientThatDoesNotExistIsNotFound() {
        String missing = "missing-" + java.util.UUID.randomUUID().toString().substring(0, 8);
        assertThatThrownBy(() -> auditor()
                        .operation()
                        .onInstance(new IdType("Patient", missing))
                        .named("$access-log")
                        .withNoParameters(Parameters.class)
                        .useHttpGet()
                        .execute())
                .isInstanceOf(ResourceNotFoundException.class);
    }

    @Test
    void accessLogIsForAuditorsOnly() {
        String patient = newPatient();
        assertThatThrownBy(() -> physio().operation()
                        .onInstance(new IdType(patient))
                        .named("$access-log")
                        .withNoParameters(Parameters.class)
                        .useHttpGet()
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);
    }

    /**
     * Its own data set: six patients share a Condition code made for this run, and {@code condition=} that code
     * selects exactly them, whatever else the shared database holds; so the figures below are known in advance.
     */
    @Test
    void rehabOutcomesSummariseTheChangePerRegimenAndMeasure() {
        IGenericClient alice = physio();
        String cohort = "cohort-" + java.util.UUID.randomUUID();
        String p1 = cohortPatient(cohort);
        String p2 = cohortPatient(cohort);
        String p3 = cohortPatient(cohort);
        String p4 = cohortPatient(cohort);
        String p5 = cohortPatient(cohort);
        String pDraft = cohortPatient(cohort);
        String plan1 = plan(alice, p1, KNEE_OA_PLAN + "|0.1.0");
        String plan2 = plan(alice, p2, KNEE_OA_PLAN);
        String plan3 = plan(alice, p3, KNEE_OA_PLAN, CarePlan.CarePlanStatus.COMPLETED); // a completed plan is counted
        String plan4 = plan(alice, p4, KNEE_OA_PLAN);
        String plan5 = plan(alice, p5, KNEE_OA_PLAN);
        String draft = plan(alice, pDraft, KNEE_OA_PLAN, CarePlan.CarePlanStatus.DRAFT); // never started: not counted
        observe(alice, tug(pDraft, draft, 20.0, "2026-01-05T10:00:00Z"));
        observe(alice, tug(pDraft, draft, 10.0, "2026-02-05T10:00:00Z"));
        // TUG: p1 15 -> 11 (posted out of order), p2 14 -> 13, p3 16 -> 12, p4 one value, p5 20,000 ms -> 17 s
        observe(alice, tug(p1, plan1, 15.0, "2026-01-05T10:00:00Z"));
        observe(alice, tug(p1, plan1, 11.0, "2026-03-05T10:00:00Z"));
        observe(alice, tug(p1, plan1, 12.5, "2026-02-05T10:00:00Z"));
        observe(alice, tug(p2, plan2, 14.0, "2026-01-10T10:00:00Z"));
        observe(alice, tug(p2, plan2, 13.0, "2026-02-10T10:00:00Z"));
        Observation wrong = tug(p2, plan2, 30.0, "2026-02-11T10:00:00Z");
        wrong.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
        observe(alice, wrong);
        observe(alice, tug(p3, plan3, 16.0, "2026-01-06T10:00:00Z"));
        observe(alice, tug(p3, plan3, 12.0, "2026-02-06T10:00:00Z"));
        observe(alice, tug(p4, plan4, 18.0, "2026-01-07T10:00:00Z"));
        Observation inMilliseconds = tug(p5, plan5, 20000.0, "2026-01-08T10:00:00Z");
        ((Quantity) inMilliseconds.getValue()).setUnit("ms").setCode("ms");
        observe(alice, inMilliseconds);
        observe(alice, tug(p5, plan5, 17.0, "2026-02-08T10:00:00Z"));
        observe(alice, timedUpAndGo(p1, 9.0, "2026-04-01T10:00:00Z")); // not based on a plan: not counted
        // one patient each: below the minimum cell size of a Condition-filtered answer
        observe(alice, based(painScore(p1, 6, "2026-01-05T10:05:00Z"), plan1));
        observe(alice, based(painScore(p1, 3, "2026-03-05T10:05:00Z"), plan1));
        observe(alice, tenMetreWalk(p2, plan2, 0.8, "2026-01-10T10:10:00Z"));
        observe(alice, tenMetreWalk(p2, plan2, 1.0, "2026-02-10T10:10:00Z"));

        ParametersParameterComponent regimen = regimen(outcomes(COHORT_CS + "|" + cohort), KNEE_OA_PLAN);

        assertThat(intPart(regimen, "patients")).isEqualTo(5);
        assertThat(intPart(regimen, "carePlans")).isEqualTo(5);
        ParametersParameterComponent tug = measure(regimen, "http://loinc.org|89423-8");
        assertThat(intPart(tug, "patients")).isEqualTo(5);
        assertThat(intPart(tug, "patientsWithChange")).isEqualTo(4);
        assertThat(intPart(tug, "observations")).isEqualTo(10);
        assertThat(new BigDecimal(part(tug, "meanChange").get(0).getValue().primitiveValue()))
                .isEqualByComparingTo("-3.000"); // (-4 - 1 - 4 - 3) / 4
        assertThat(part(tug, "unit").get(0).getValue().primitiveValue()).isEqualTo("s");
        for (String small : List.of("http://loinc.org|72514-3", OUTCOME_CS + "|gait-speed-10mwt")) {
            assertThat(part(measure(regimen, small), "suppressed")).as(small).isNotEmpty();
            assertThat(part(measure(regimen, small), "patients")).as(small).isEmpty();
        }
        assertThat(intPart(measure(regimen, OUTCOME_CS + "|berg-balance-total"), "patients"))
                .isZero();

        // by regimen group: every knee plan in the database, this cohort's among them
        ParametersParameterComponent all = regimen(outcomes("knee-osteoarthritis"), KNEE_OA_PLAN);
        assertThat(intPart(all, "patients")).isGreaterThanOrEqualTo(5);
        assertThat(intPart(measure(all, "http://loinc.org|89423-8"), "observations"))
                .isGreaterThanOrEqualTo(10);
    }

    @Test
    void rehabOutcomesIsForAuditorsOnly() {
        assertThatThrownBy(() -> physio().operation()
                        .onServer()
                        .named("$rehab-outcomes")
                        .withNoParameters(Parameters.class)
                        .useHttpGet()
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private Parameters outcomes(String condition) {
        return auditor()
                .operation()
                .onServer()
                .named("$rehab-outcomes")
                .withParameter(Parameters.class, "condition", new StringType(condition))
                .useHttpGet()
                .execute();
    }

    /** A patient with a Condition whose code only this run's cohort has (a test code system, not a clinical one). */
    private String cohortPatient(String cohort) {
        String patient = newPatient();
        Condition condition = kneeOsteoarthritis(patient);
        condition.getCode().addCoding(new Coding(COHORT_CS, cohort, null));
        ehr().create().resource(condition).execute();
        return patient;
    }

    private String newPatient() {
        return ehr().create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    private static String plan(IGenericClient client, String patient, String canonical) {
        return plan(client, patient, canonical, CarePlan.CarePlanStatus.ACTIVE);
    }

    private static String plan(
            IGenericClient client, String patient, String canonical, CarePlan.CarePlanStatus status) {
        CarePlan plan = carePlan(patient, status);
        plan.addInstantiatesCanonical(canonical);
        if (status == CarePlan.CarePlanStatus.ACTIVE) {
            // these patients have no screen on record: an active catalogue plan carries the clinician's override
            org.rehabfhir.protocols.apply.PlanApplier.setOverrideReason(
                    plan, "screened on paper; outcomes tested here");
        }
        return client.create()
                .resource(plan)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    private static void observe(IGenericClient client, Observation observation) {
        client.create().resource(observation).execute();
    }

    private static Observation based(Observation observation, String plan) {
        observation.addBasedOn(new Reference(plan));
        return observation;
    }

    private static Observation tug(String patient, String plan, double seconds, String when) {
        return based(timedUpAndGo(patient, seconds, when), plan);
    }

    private static Observation tenMetreWalk(String patient, String plan, double speed, String when) {
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "exam", "Exam")));
        o.setCode(new CodeableConcept(new Coding(OUTCOME_CS, "gait-speed-10mwt", "10-metre walk test gait speed")));
        o.setSubject(new Reference(patient));
        o.setEffective(new DateTimeType(when));
        o.setValue(new Quantity().setValue(speed).setUnit("m/s").setSystem(UCUM).setCode("m/s"));
        return based(o, plan);
    }

    private static ParametersParameterComponent regimen(Parameters parameters, String canonical) {
        return parameters.getParameter().stream()
                .filter(p -> p.getName().equals("regimen"))
                .filter(p ->
                        part(p, "canonical").get(0).getValue().primitiveValue().equals(canonical))
                .findFirst()
                .orElseThrow();
    }

    private static ParametersParameterComponent measure(ParametersParameterComponent regimen, String systemAndCode) {
        return part(regimen, "measure").stream()
                .filter(m -> {
                    Coding c = (Coding) part(m, "code").get(0).getValue();
                    return (c.getSystem() + "|" + c.getCode()).equals(systemAndCode);
                })
                .findFirst()
                .orElseThrow();
    }

    private static List<ParametersParameterComponent> part(ParametersParameterComponent parent, String name) {
        return parent.getPart().stream().filter(p -> p.getName().equals(name)).toList();
    }

    private static int intPart(ParametersParameterComponent parent, String name) {
        return Integer.parseInt(part(parent, name).get(0).getValue().primitiveValue());
    }
}
