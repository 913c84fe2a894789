package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.server.audit.AuditTestSupport.*;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Every interaction that reaches the server leaves exactly one AuditEvent with the right agent and outcome: each test
 * uses a fresh Keycloak token, whose {@code jti} finds the events it caused (or, for 401, a unique path).
 */
class AuditTrailIT extends AbstractFhirServerIT {

    @Autowired
    DataSource dataSource;

    JdbcTemplate jdbc;
    String patientRef;

    @BeforeEach
    void setUp() {
        jdbc = jdbc(dataSource);
        patientRef = ehr().create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    @Test
    void createByTheEhrIsAuditedOnceWithClientAndPatient() {
        String token = freshEhrToken();
        IdType id = (IdType) clientWithToken(token)
                .create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId();

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("interaction")).isEqualTo("create");
        assertThat(row.get("action")).isEqualTo("C");
        assertThat(row.get("outcome")).isEqualTo("0");
        assertThat(row.get("http_status")).isEqualTo(201);
        assertThat(row.get("client_id")).isEqualTo("ehr-demo-hospital");
        assertThat(row.get("agent_sub")).isEqualTo(sub(token));
        assertThat(row.get("source_ip")).isNotNull();
        assertThat(array(row.get("patient_refs"))).containsExactly("Patient/" + id.getIdPart());
    }

    @Test
    void readWithPurposeOfUseIsAuditedAsBalpRestEvent() {
        String token = freshUserToken("alice");
        clientWithToken(token)
                .read()
                .resource(Patient.class)
                .withId(patientRef)
                .withAdditionalHeader("X-Purpose-Of-Use", "TREAT")
                .execute();

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("interaction")).isEqualTo("read");
        assertThat(row.get("agent_username")).isEqualTo("alice");
        assertThat(row.get("fhir_user")).isEqualTo("Practitioner/alice");
        assertThat(row.get("purpose_of_use")).isEqualTo("http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT");
        assertThat(array(row.get("patient_refs"))).containsExactly(patientRef);

        AuditEvent event =
                CLIENT_CONTEXT.newJsonParser().parseResource(AuditEvent.class, (String) row.get("event_json"));
        assertThat(event.getType().getCode()).isEqualTo("rest");
        assertThat(event.getSubtypeFirstRep().getSystem()).isEqualTo("http://hl7.org/fhir/restful-interaction");
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("read");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        assertThat(event.getOutcome()).isEqualTo(AuditEvent.AuditEventOutcome._0);
        AuditEvent.AuditEventAgentComponent user = event.getAgentFirstRep();
        assertThat(user.getRequestor()).isTrue();
        assertThat(user.getWho().getIdentifier().getValue()).isEqualTo(sub(token));
        assertThat(user.getName()).isEqualTo("alice");
        assertThat(user.getPolicy()).extracting(p -> p.getValue()).containsExactly(jti(token));
        assertThat(user.getPurposeOfUseFirstRep().getCodingFirstRep().getCode()).isEqualTo("TREAT");
        assertThat(event.getAgent().get(1).getWho().getDisplay()).isEqualTo(claim(token, "azp"));
        assertThat(event.getAgent().get(1).getNetwork().getAddress()).isNotBlank();
        assertThat(event.getEntity()).anySatisfy(e -> {
            assertThat(e.getWhat().getReference()).isEqualTo(patientRef);
            assertThat(e.getRole().getSystem()).isEqualTo("http://terminology.hl7.org/CodeSystem/object-role");
            assertThat(e.getRole().getCode()).isEqualTo("1");
        });
    }

    @Test
    void searchIsAuditedOnceWithThePatientsFound() {
        ehr().create()
                .resource(timedUpAndGo(patientRef, 13.1, "2026-03-02T10:00:00Z"))
                .execute();
        String token = freshUserToken("alice");
        Bundle found = clientWithToken(token)
                .search()
                .forResource(Observation.class)
                .where(Observation.SUBJECT.hasId(patientRef))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).hasSize(1);

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("interaction")).isEqualTo("search-type");
        assertThat(row.get("action")).isEqualTo("R");
        assertThat(array(row.get("patient_refs"))).containsExactly(patientRef);
        assertThat(array(row.get("resource_refs")))
                .contains(found.getEntryFirstRep()
                        .getResource()
                        .getIdElement()
                        .toUnqualifiedVersionless()
                        .getValue());
    }

    @Test
    void aTransactionOfSeveralEntriesIsAuditedOnceWithEveryEntry() {
        String token = freshEhrToken();
        String patientUrl = "urn:uuid:" + UUID.randomUUID();
        Bundle transaction = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        transaction
                .addEntry()
                .setFullUrl(patientUrl)
                .setResource(patient(uniqueMrn()))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        transaction
                .addEntry()
                .setResource(kneeOsteoarthritis(patientUrl))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Condition");
        Bundle response =
                clientWithToken(token).transaction().withBundle(transaction).execute();
        String patient = new IdType(response.getEntry().get(0).getResponse().getLocation())
                .toUnqualifiedVersionless()
                .getValue();
        String condition = new IdType(response.getEntry().get(1).getResponse().getLocation())
                .toUnqualifiedVersionless()
                .getValue();

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("interaction")).isEqualTo("transaction");
        assertThat(row.get("http_status")).isEqualTo(200);
        assertThat(array(row.get("resource_refs"))).contains(patient, condition);
        assertThat(array(row.get("patient_refs"))).containsExactly(patient);
    }

    @Test
    void updateIsAuditedOnce() {
        IGenericClient physio = physio();
        IdType plan = (IdType) physio.create()
                .resource(carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT))
                .execute()
                .getId();
        CarePlan read = physio.read()
                .resource(CarePlan.class)
                .withId(plan.toUnqualifiedVersionless())
                .execute();
        read.setTitle("Renamed");
        String token = freshUserToken("alice");
        clientWithToken(token).update().resource(read).execute();

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("interaction")).isEqualTo("update");
        assertThat(row.get("action")).isEqualTo("U");
        assertThat(row.get("http_status")).isEqualTo(200);
        assertThat(array(row.get("resource_refs")))
                .contains(plan.toUnqualifiedVersionless().getValue());
        assertThat(array(row.get("patient_refs"))).containsExactly(patientRef);
    }

    @Test
    void aPractitionerPerformerOfACarePlanIsNotRecordedAsAPatient() {
        // CarePlan's Patient compartment parameters include performer: only Patient owners are patients. The
        // performer is alice herself (the demo Practitioner/alice): a physiotherapist may refer to no other
        // Practitioner, she may not read them (finding 14, ReferenceTargetGuardInterceptor)
        String practitionerId = "alice";
        ehr().create().resource(kneeOsteoarthritis(patientRef)).execute();
        String token = freshUserToken("alice");
        IGenericClient alice = clientWithToken(token);

        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType(patientRef));
        in.addParameter().setName("practitioner").setValue(new StringType("Practitioner/" + practitionerId));
        CarePlan draft = alice.operation()
                .onInstance(new IdType("PlanDefinition", TestData.storedPlanDefinitionId("bw-knee-osteoarthritis")))
                .named("$apply")
                .withParameters(in)
                .returnResourceType(CarePlan.class)
                .execute();
        assertThat(draft.getActivity()).anySatisfy(a -> assertThat(a.getDetail().getPerformer())
                .extracting(Reference::getReference)
                .contains("Practitioner/" + practitionerId));
        CarePlan plan = carePlan(patientRef, CarePlan.CarePlanStatus.DRAFT);
        plan.addActivity()
                .getDetail()
                .setStatus(CarePlan.CarePlanActivityStatus.NOTSTARTED)
                .addPerformer(new Reference("Practitioner/" + practitionerId));
        IdType id = (IdType) alice.create().resource(plan).execute().getId();
        alice.read()
                .resource(CarePlan.class)
                .withId(id.toUnqualifiedVersionless())
                .execute();

        List<Map<String, Object>> rows = rowsOfToken(jdbc, token, 3);
        assertThat(rows).extracting(r -> r.get("interaction")).containsExactly("operation", "create", "read");
        // the patient only, never Patient/alice (the performer's id read as a patient)
        for (Map<String, Object> row : rows) {
            assertThat(array(row.get("patient_refs")))
                    .as("%s", row.get("interaction"))
                    .containsExactly(patientRef);
        }
    }

    @Test
    void operationIsAuditedOnce() {
        String token = freshUserToken("audrey");
        Parameters result = clientWithToken(token)
                .operation()
                .onType(AuditEvent.class)
                .named("$verify-chain")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        assertThat(result.getParameter("intact")).isNotNull();

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("interaction")).isEqualTo("operation");
        assertThat(row.get("action")).isEqualTo("E");
        assertThat(row.get("operation")).isEqualTo("$verify-chain");
        assertThat(row.get("agent_username")).isEqualTo("audrey");
    }

    @Test
    void forbiddenWriteIsAuditedOnceAsMinorFailure() {
        String token = freshUserToken("audrey");
        assertThatThrownBy(() -> clientWithToken(token)
                        .create()
                        .resource(patient(uniqueMrn()))
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("http_status")).isEqualTo(403);
        assertThat(row.get("outcome")).isEqualTo("4");
        assertThat(row.get("interaction")).isEqualTo("create");
        assertThat(row.get("agent_username")).isEqualTo("audrey");
    }

    @Test
    void forbiddenReadIsAuditedOnce() {
        String token = freshUserToken("audrey");
        assertThatThrownBy(() -> clientWithToken(token)
                        .read()
                        .resource(Patient.class)
                        .withId(patientRef)
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);

        Map<String, Object> row = single(rowsOfToken(jdbc, token, 1));
        assertThat(row.get("http_status")).isEqualTo(403);
        assertThat(row.get("outcome")).isEqualTo("4");
        assertThat(array(row.get("patient_refs"))).containsExactly(patientRef);
    }

    @Test
    void notFoundAndInvalidAreAuditedOnce() {
        String token = freshEhrToken();
        IGenericClient ehr = clientWithToken(token);
        String missing = "Patient/missing-" + UUID.randomUUID().toString().substring(0, 8);
        assertThatThrownBy(
                        () -> ehr.read().resource(Patient.class).withId(missing).execute())
                .isInstanceOf(ResourceNotFoundException.class);
        Observation invalid = timedUpAndGo(patientRef, 12, "2026-03-02T10:00:00Z");
        invalid.setStatus(null); // status is required
        assertThatThrownBy(() -> ehr.create().resource(invalid).execute())
                .isInstanceOf(UnprocessableEntityException.class);

        List<Map<String, Object>> rows = rowsOfToken(jdbc, token, 2);
        assertThat(rows).hasSize(2);
        assertThat(rows.get(0).get("http_status")).isEqualTo(404);
        assertThat(rows.get(0).get("outcome")).isEqualTo("4");
        assertThat(array(rows.get(0).get("patient_refs"))).containsExactly(missing);
        assertThat(rows.get(1).get("http_status")).isEqualTo(422);
        assertThat(rows.get(1).get("interaction")).isEqualTo("create");
    }

    @Test
    void unauthenticatedRequestsAreAuditedOnce() {
        String marker = "unauth-" + UUID.randomUUID();
        Response none = send("GET", baseUrl() + "/Patient/" + marker, null, null, Map.of());
        Response garbage = send("GET", baseUrl() + "/Patient/" + marker + "-bad", "not.a.token", null, Map.of());
        assertThat(none.status()).isEqualTo(401);
        assertThat(garbage.status()).isEqualTo(401);

        Map<String, Object> row =
                single(waitFor(jdbc, "SELECT * FROM rehab_audit_event WHERE request_path = ?", 1, "Patient/" + marker));
        assertThat(row.get("http_status")).isEqualTo(401);
        assertThat(row.get("outcome")).isEqualTo("4");
        assertThat(row.get("agent_sub")).isNull();
        assertThat(row.get("interaction")).isEqualTo("read");
        assertThat(array(row.get("patient_refs"))).containsExactly("Patient/" + marker);
        Map<String, Object> bad = single(waitFor(
                jdbc, "SELECT * FROM rehab_audit_event WHERE request_path = ?", 1, "Patient/" + marker + "-bad"));
        assertThat(bad.get("http_status")).isEqualTo(401);
    }

    @Test
    void auditorFindsEventsByPatientAgentDateOutcomeAndToken() {
        String token = freshUserToken("alice");
        clientWithToken(token).read().resource(Patient.class).withId(patientRef).execute();
        String ehrToken = freshEhrToken();
        assertThatThrownBy(() -> clientWithToken(ehrToken)
                        .read()
                        .resource(Patient.class)
                        .withId("Patient/nope-" + UUID.randomUUID())
                        .execute())
                .isInstanceOf(ResourceNotFoundException.class);
        rowsOfToken(jdbc, token, 1);

        IGenericClient auditor = auditor();
        Bundle byToken = auditor.search()
                .forResource(AuditEvent.class)
                .where(AuditEvent.POLICY.matches().value(jti(token)))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(byToken.getTotal()).isEqualTo(1);

        Bundle byPatient = auditor.search()
                .forResource(AuditEvent.class)
                .where(AuditEvent.PATIENT.hasId(patientRef))
                .count(200)
                .returnBundle(Bundle.class)
                .execute();
        List<AuditEvent> events = byPatient.getEntry().stream()
                .map(e -> (AuditEvent) e.getResource())
                .toList();
        // the EHR's create of the patient and alice's read
        assertThat(events).extracting(e -> e.getSubtypeFirstRep().getCode()).contains("create", "read");
        assertThat(events).allSatisfy(e -> assertThat(e.getEntity())
                .anySatisfy(
                        entity -> assertThat(entity.getWhat().getReference()).isEqualTo(patientRef)));

        Bundle byAgentAndPatient = auditor.search()
                .forResource(AuditEvent.class)
                .where(AuditEvent.AGENT.hasId("alice"))
                .and(AuditEvent.PATIENT.hasId(patientRef))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(byAgentAndPatient.getTotal()).isEqualTo(1);

        Bundle failuresToday = auditor.search()
                .forResource(AuditEvent.class)
                .where(AuditEvent.OUTCOME.exactly().code("4"))
                .and(AuditEvent.DATE.afterOrEquals().day(new java.util.Date()))
                .and(AuditEvent.AGENT.hasId("ehr-demo-hospital"))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(failuresToday.getTotal()).isGreaterThanOrEqualTo(1);
        assertThat(failuresToday.getEntry()).allSatisfy(e -> assertThat(((AuditEvent) e.getResource()).getOutcome())
                .isEqualTo(AuditEvent.AuditEventOutcome._4));

        Bundle yesterday = auditor.search()
                .forResource(AuditEvent.class)
                .where(AuditEvent.PATIENT.hasId(patientRef))
                .and(AuditEvent.DATE.before().day(new java.util.Date(System.currentTimeMillis() - 86_400_000L)))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(yesterday.getTotal()).isZero();
    }

    @Test
    void searchPagesWithCount() {
        IGenericClient auditor = auditor();
        Bundle first = auditor.search()
                .forResource(AuditEvent.class)
                .count(2)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(first.getEntry()).hasSize(2);
        assertThat(first.getTotal()).isGreaterThan(2);
        Bundle second = auditor.loadPage().next(first).execute();
        assertThat(second.getEntry()).hasSize(2);
        assertThat(second.getEntryFirstRep().getResource().getIdElement().getIdPart())
                .isNotEqualTo(
                        first.getEntryFirstRep().getResource().getIdElement().getIdPart());
    }

    @Test
    void physiotherapistCannotReadTheAuditTrail() {
        assertThatThrownBy(() -> physio().search()
                        .forResource(AuditEvent.class)
                        .returnBundle(Bundle.class)
                        .execute())
                .isInstanceOf(ForbiddenOperationException.class);
    }
}
