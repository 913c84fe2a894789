package org.rehabfhir.server.validation;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;

/**
 * With an IG package configured ({@code rehab.fhir.validation.packages}; the test stack's is the test fixture
 * {@code ig-packages/rehab.test.us-core-patient-0.1.0.tgz}: US Core's Patient profile URL with a subset of its
 * constraints, see its README), a resource that claims the package's profile is validated against it; a profile
 * outside every package stays a warning.
 */
class IgPackageValidationIT extends AbstractFhirServerIT {

    static final String US_CORE_PATIENT = "http://hl7.org/fhir/us/core/StructureDefinition/us-core-patient";

    private static Patient usCorePatient() {
        Patient patient = TestData.patient(TestData.uniqueMrn());
        patient.getMeta().addProfile(US_CORE_PATIENT);
        return patient;
    }

    private List<OperationOutcomeIssueComponent> refusal(Patient patient) {
        UnprocessableEntityException refused = catchThrowableOfType(
                () -> ehr().create().resource(patient).execute(), UnprocessableEntityException.class);
        assertThat(refused).as("422").isNotNull();
        OperationOutcome oo = (OperationOutcome) refused.getOperationOutcome();
        return oo.getIssue().stream()
                .filter(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .toList();
    }

    @Test
    void aUsCorePatientThatMeetsTheProfileIsStored() {
        assertThat(ehr().create().resource(usCorePatient()).execute().getCreated())
                .isTrue();
    }

    @Test
    void aUsCorePatientWithoutGenderIs422NamingTheProfileAndTheElement() {
        Patient patient = usCorePatient();
        patient.setGender(null);

        assertThat(refusal(patient)).anySatisfy(issue -> {
            assertThat(issue.getDiagnostics()).contains("Patient.gender").contains(US_CORE_PATIENT);
        });
    }

    @Test
    void aUsCorePatientWhoseNameHasNeitherFamilyNorGivenIs422NamingConstraintUsCore6() {
        Patient patient = usCorePatient();
        patient.setName(List.of(new HumanName().setText("Lan")));

        assertThat(refusal(patient))
                .anySatisfy(issue -> assertThat(issue.getDiagnostics()).contains("us-core-6"));
    }

    @Test
    void aViolatingUsCorePatientInATransactionIs422AtItsEntry() {
        Patient patient = usCorePatient();
        patient.getIdentifierFirstRep().setSystem(null);
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                .setResource(patient)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");

        UnprocessableEntityException refused = catchThrowableOfType(
                () -> ehr().transaction().withBundle(bundle).execute(), UnprocessableEntityException.class);
        assertThat(refused).as("422").isNotNull();
        OperationOutcome oo = (OperationOutcome) refused.getOperationOutcome();
        assertThat(oo.getIssue()).anySatisfy(issue -> {
            assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
            assertThat(issue.getLocation().get(0).getValue()).startsWith("Bundle.entry[0].resource");
            assertThat(issue.getDiagnostics()).contains("identifier").contains(US_CORE_PATIENT);
        });
    }

    @Test
    void aProfileInNoConfiguredPackageStaysAWarning() {
        String patient = ehrPatient().getValue();
        Condition condition = TestData.kneeOsteoarthritis(patient);
        condition
                .getMeta()
                .addProfile(
                        "http://hl7.org/fhir/us/core/StructureDefinition/us-core-condition-problems-health-concerns");

        assertThat(ehr().create().resource(condition).execute().getCreated()).isTrue();
    }
}
