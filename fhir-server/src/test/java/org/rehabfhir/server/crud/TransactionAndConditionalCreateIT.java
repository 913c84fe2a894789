package org.rehabfhir.server.crud;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractStorageIT;

class TransactionAndConditionalCreateIT extends AbstractStorageIT {

    @Test
    void transactionWhoseLastEntryIsInvalidIsRejectedWholeAndStoresNothing() {
        String mrn = uniqueMrn();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        Patient patient = patient(mrn);
        transaction
                .addEntry()
                .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                .setResource(patient)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        String patientUrl = transaction.getEntry().get(0).getFullUrl();
        Condition condition = kneeOsteoarthritis(patientUrl);
        transaction
                .addEntry()
                .setFullUrl(newUuid())
                .setResource(condition)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Condition");
        Observation invalid = timedUpAndGo(patientUrl, 13.0, "2026-05-04T10:00:00Z");
        invalid.setStatus(null); // Observation.status is 1..1
        transaction
                .addEntry()
                .setFullUrl(newUuid())
                .setResource(invalid)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");

        assertThatThrownBy(() -> client.transaction().withBundle(transaction).execute())
                .isInstanceOfSatisfying(BaseServerResponseException.class, e -> {
                    assertThat(e.getStatusCode()).isBetween(400, 499);
                    OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
                    assertThat(outcome.getIssue())
                            .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                            .extracting(i -> i.getDiagnostics() + " @ " + i.getLocation())
                            .singleElement()
                            .asString()
                            .contains("Observation.status");
                });

        Bundle patients = client.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(patients.getEntry()).isEmpty();
    }

    @Test
    void transactionOfValidEntriesStoresThemAllWithResolvedReferences() {
        String mrn = uniqueMrn();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patientUrl = "urn:uuid:" + java.util.UUID.randomUUID();
        transaction
                .addEntry()
                .setFullUrl(patientUrl)
                .setResource(patient(mrn))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        transaction
                .addEntry()
                .setFullUrl(newUuid())
                .setResource(kneeOsteoarthritis(patientUrl))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Condition");

        Bundle response = client.transaction().withBundle(transaction).execute();

        assertThat(response.getEntry()).hasSize(2);
        String patientId =
                response.getEntry().get(0).getResponse().getLocation().replaceAll("/_history/.*", "");
        Bundle conditions = client.search()
                .forResource(Condition.class)
                .where(Condition.PATIENT.hasId(patientId))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(conditions.getEntry()).hasSize(1);
    }

    @Test
    void conditionalCreateSentTwiceCreatesOneResource() {
        String mrn = uniqueMrn();
        String condition = "identifier=" + MRN_SYSTEM + "|" + mrn;

        MethodOutcome first = client.create()
                .resource(patient(mrn))
                .conditionalByUrl("Patient?" + condition)
                .execute();
        MethodOutcome second = client.create()
                .resource(patient(mrn))
                .conditionalByUrl("Patient?" + condition)
                .execute();

        assertThat(first.getCreated()).isTrue();
        assertThat(second.getCreated()).isNotEqualTo(Boolean.TRUE);
        assertThat(second.getId().getIdPart()).isEqualTo(first.getId().getIdPart());
        Bundle found = client.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).hasSize(1);
    }

    @Test
    void conditionalCreateInsideATransactionDoesNotDuplicateOnRetry() {
        String mrn = uniqueMrn();
        for (int attempt = 0; attempt < 2; attempt++) {
            Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            transaction
                    .addEntry()
                    .setFullUrl("urn:uuid:" + java.util.UUID.randomUUID())
                    .setResource(patient(mrn))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Patient")
                    .setIfNoneExist("identifier=" + MRN_SYSTEM + "|" + mrn);
            client.transaction().withBundle(transaction).execute();
        }
        Bundle found = client.search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndIdentifier(MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).hasSize(1);
    }

    private static String newUuid() {
        return "urn:uuid:" + java.util.UUID.randomUUID();
    }
}
