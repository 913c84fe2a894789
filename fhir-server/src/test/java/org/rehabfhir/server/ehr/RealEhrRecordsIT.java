package org.rehabfhir.server.ehr;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Immunization;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;

/** What hospitals send is accepted (or refused with every reason named), and their codings match regimens. */
class RealEhrRecordsIT extends AbstractFhirServerIT {

    @Test
    void theEhrWritesTheRecordTypesOfARehabilitationChart() {
        String patient = ehrPatient().getValue();
        Encounter encounter = new Encounter()
                .setStatus(Encounter.EncounterStatus.FINISHED)
                .setClass_(new Coding("http://terminology.hl7.org/CodeSystem/v3-ActCode", "AMB", "ambulatory"))
                .setSubject(new Reference(patient));
        String id = ehr().create()
                .resource(encounter)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        Bundle found = ehr().search()
                .byUrl("Encounter?subject=" + patient)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry())
                .extracting(e -> e.getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue())
                .containsExactly(id);
    }

    @Test
    void aBundleWithTypesOutsideTheContractIsRefusedNamingEveryRefusedEntryAndStoresNothing() {
        String mrn = TestData.uniqueMrn();
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl("urn:uuid:p1")
                .setResource(TestData.patient(mrn))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Claim claim = new Claim();
        claim.setStatus(Claim.ClaimStatus.ACTIVE).setUse(Claim.Use.CLAIM).setPatient(new Reference("urn:uuid:p1"));
        bundle.addEntry()
                .setFullUrl("urn:uuid:c1")
                .setResource(claim)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Claim");
        Immunization immunization = new Immunization()
                .setStatus(Immunization.ImmunizationStatus.COMPLETED)
                .setVaccineCode(new CodeableConcept(new Coding("http://hl7.org/fhir/sid/cvx", "140", "Influenza")))
                .setPatient(new Reference("urn:uuid:p1"));
        immunization.setOccurrence(new DateTimeType("2025-10-01"));
        bundle.addEntry()
                .setFullUrl("urn:uuid:i1")
                .setResource(immunization)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Immunization");

        assertThatThrownBy(() -> ehr().transaction().withBundle(bundle).execute())
                .isInstanceOfSatisfying(ForbiddenOperationException.class, e -> {
                    OperationOutcome oo = (OperationOutcome) e.getOperationOutcome();
                    assertThat(oo.getIssue())
                            .extracting(OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
                            .anyMatch(d -> d.startsWith("Bundle.entry[1] POST Claim"))
                            .anyMatch(d -> d.startsWith("Bundle.entry[2] POST Immunization"))
                            .noneMatch(d -> d.startsWith("Bundle.entry[0]"));
                });
        Bundle stored = ehr().search()
                .byUrl("Patient?identifier=" + TestData.MRN_SYSTEM + "|" + mrn)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(stored.getEntry()).isEmpty();
    }

    @Test
    void aUsCorePatientWhoSpeaksVietnameseIsAccepted() {
        Patient patient = TestData.patient(TestData.uniqueMrn());
        patient.getMeta().addProfile("http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient");
        patient.addCommunication().setLanguage(new CodeableConcept(new Coding("urn:ietf:bcp:47", "vi", "Vietnamese")));
        assertThat(ehr().create().resource(patient).execute().getCreated()).isTrue();
    }

    @Test
    void aTransactionOfPostEntriesWithoutFullUrlIsAccepted() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setResource(TestData.patient(TestData.uniqueMrn()))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        Bundle response = ehr().transaction().withBundle(bundle).execute();
        assertThat(response.getEntryFirstRep().getResponse().getStatus()).startsWith("201");
    }

    @Test
    void aWhoIcd10StrokeAndAResolvedStrokeBothGetTheChronicStrokeRegimen() {
        for (Condition stroke : new Condition[] {whoStroke(), resolvedSnomedStroke()}) {
            String patient = ehrPatient().getValue();
            stroke.setSubject(new Reference(patient));
            ehr().create().resource(stroke).execute();
            Bundle recommended = physio().operation()
                    .onInstance(patient)
                    .named("$recommend-regimens")
                    .withNoParameters(Parameters.class)
                    .useHttpGet()
                    .returnResourceType(Bundle.class)
                    .execute();
            assertThat(recommended.getEntry()).anySatisfy(e -> assertThat(e.getResource())
                    .isInstanceOfSatisfying(CarePlan.class, plan -> assertThat(
                                    plan.getInstantiatesCanonical().get(0).getValue())
                            .contains("bw-stroke-chronic")));
        }
    }

    private static Condition whoStroke() {
        Condition c = TestData.kneeOsteoarthritis("Patient/x");
        c.setCode(new CodeableConcept(new Coding(
                "http://hl7.org/fhir/sid/icd-10",
                "I63.5",
                "Cerebral infarction due to unspecified occlusion or stenosis of cerebral arteries")));
        c.setOnset(new DateTimeType(LocalDate.now().minusYears(1).toString()));
        return c;
    }

    private static Condition resolvedSnomedStroke() {
        Condition c = TestData.kneeOsteoarthritis("Patient/x");
        c.setCode(new CodeableConcept(new Coding(TestData.SNOMED, "230690007", "Cerebrovascular accident")));
        c.getClinicalStatus().getCodingFirstRep().setCode("resolved");
        c.setOnset(new DateTimeType(LocalDate.now().minusYears(2).toString()));
        c.setAbatement(
                new DateTimeType(LocalDate.now().minusYears(2).plusDays(20).toString()));
        return c;
    }
}
