package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.reliability.ConcurrentRequests.*;
import static org.rehabfhir.server.support.TestData.*;

import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.List;
import java.util.UUID;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;

/**
 * Retries are safe: 20 identical conditional creates ({@code If-None-Exist}) sent at once, and 20 identical
 * transactions whose entries are conditional creates, leave exactly one resource each, every request is answered 2xx
 * (one create, the others find it), and the audit chain of all of them verifies.
 */
class ConcurrentConditionalWritesIT extends AbstractFhirServerIT {

    private static final int CLIENTS = 20;

    @Test
    void twentyIdenticalConditionalCreatesLeaveOnePatient() throws Exception {
        String mrn = uniqueMrn();
        String body = json(patient(mrn));
        List<HttpResponse<String>> responses =
                atOnce(CLIENTS, Tokens.ehr(), i -> HttpRequest.newBuilder(URI.create(baseUrl() + "/Patient"))
                        .header("Content-Type", "application/fhir+json")
                        .header("If-None-Exist", "identifier=" + MRN_SYSTEM + "|" + mrn)
                        .POST(HttpRequest.BodyPublishers.ofString(body, StandardCharsets.UTF_8)));
        assertThat(responses)
                .extracting(HttpResponse::statusCode)
                .as(firstFailure(responses))
                .allMatch(s -> s == 200 || s == 201);
        assertThat(responses).filteredOn(r -> r.statusCode() == 201).hasSize(1);
        assertThat(responses)
                .extracting(r -> CLIENT_CONTEXT
                        .newJsonParser()
                        .parseResource(Patient.class, r.body())
                        .getIdElement()
                        .getIdPart())
                .as("every answer names the one patient")
                .containsOnly(patients(mrn).get(0).getIdElement().getIdPart());
        assertThat(patients(mrn)).hasSize(1);
        assertTheChainIsIntact();
    }

    @Test
    void twentyIdenticalConditionalTransactionsLeaveOnePatientAndOneCondition() throws Exception {
        String mrn = uniqueMrn();
        String conditionId = UUID.randomUUID().toString();
        String bundle = conditionalTransaction(mrn, conditionId);
        List<HttpResponse<String>> responses =
                atOnce(CLIENTS, Tokens.ehr(), i -> HttpRequest.newBuilder(URI.create(baseUrl()))
                        .header("Content-Type", "application/fhir+json")
                        .POST(HttpRequest.BodyPublishers.ofString(bundle, StandardCharsets.UTF_8)));
        assertThat(responses)
                .extracting(HttpResponse::statusCode)
                .as(firstFailure(responses))
                .containsOnly(200);
        assertThat(patients(mrn)).hasSize(1);
        Bundle conditions = ehr().search()
                .forResource(Condition.class)
                .where(Condition.IDENTIFIER.exactly().systemAndCode(CONDITION_SYSTEM, conditionId))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(conditions.getEntry()).hasSize(1);
        String patientId = patients(mrn).get(0).getIdElement().getIdPart();
        assertThat(((Condition) conditions.getEntryFirstRep().getResource())
                        .getSubject()
                        .getReference())
                .isEqualTo("Patient/" + patientId);
        assertTheChainIsIntact();
    }

    private List<Patient> patients(String mrn) {
        return ehr()
                .search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute()
                .getEntry()
                .stream()
                .map(e -> (Patient) e.getResource())
                .toList();
    }

    private void assertTheChainIsIntact() {
        Parameters chain = auditor()
                .operation()
                .onType("AuditEvent")
                .named("$verify-chain")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        assertThat(((BooleanType) chain.getParameter("intact").getValue()).booleanValue())
                .isTrue();
    }
}
