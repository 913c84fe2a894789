package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.audit.AuditTestSupport.*;
import static org.rehabfhir.server.support.TestData.*;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * A write and its AuditEvent commit in one database transaction: when the audit insert fails, the write is rolled
 * back (5xx OperationOutcome, nothing stored, no Provenance); when it succeeds, the data and the event are in the same
 * transaction. The failure is made by a test-only trigger on {@code rehab_audit_event} that refuses the success event
 * of one token (its jti), created here through JDBC and dropped after each test.
 */
class AuditInWriteTransactionIT extends AbstractFhirServerIT {

    @Autowired
    DataSource dataSource;

    JdbcTemplate jdbc;
    String refusedToken;
    String refusedJti;

    @BeforeEach
    void refuseTheSuccessEventsOfOneToken() {
        jdbc = jdbc(dataSource);
        refusedToken = freshEhrToken();
        refusedJti = jti(refusedToken);
        jdbc.execute("CREATE OR REPLACE FUNCTION rehab_test_refuse_audit() RETURNS trigger LANGUAGE plpgsql AS $$"
                + " BEGIN IF NEW.token_id = '" + refusedJti + "' AND NEW.outcome = '0' THEN"
                + " RAISE EXCEPTION 'test: audit insert refused'; END IF; RETURN NEW; END $$");
        jdbc.execute("CREATE TRIGGER rehab_test_refuse_audit BEFORE INSERT ON rehab_audit_event"
                + " FOR EACH ROW EXECUTE FUNCTION rehab_test_refuse_audit()");
    }

    @AfterEach
    void dropTheTrigger() {
        jdbc.execute("DROP TRIGGER IF EXISTS rehab_test_refuse_audit ON rehab_audit_event");
        jdbc.execute("DROP FUNCTION IF EXISTS rehab_test_refuse_audit()");
    }

    @Test
    void aCreateWhoseAuditFailsIsNotStored() {
        String mrn = uniqueMrn();
        int provenances = count("Provenance");
        Response create = send("POST", baseUrl() + "/Patient", refusedToken, json(patient(mrn)), Map.of());
        assertFailedWithOperationOutcome(create);
        assertThat(patientsWithMrn(mrn)).isZero();
        String patient =
                ehr().create().resource(patient(uniqueMrn())).execute().getId().getIdPart();
        Response observation = send(
                "POST",
                baseUrl() + "/Observation",
                refusedToken,
                json(timedUpAndGo("Patient/" + patient, 12.5, "2026-05-04T10:00:00Z")),
                Map.of());
        assertFailedWithOperationOutcome(observation);
        assertThat(count("Observation", "Patient/" + patient)).isZero();
        assertThat(count("Provenance"))
                .as("no Provenance of a rolled-back write")
                .isEqualTo(provenances);
        assertTheFailuresAreAuditedAndTheChainIsIntact(2);
    }

    @Test
    void aTransactionWhoseAuditFailsStoresNoEntry() {
        String mrn = uniqueMrn();
        String patientUrl = "urn:uuid:" + UUID.randomUUID();
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"fullUrl\":\"" + patientUrl + "\",\"resource\":" + json(patient(mrn))
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}},"
                + "{\"resource\":" + json(kneeOsteoarthritis(patientUrl))
                + ",\"request\":{\"method\":\"POST\",\"url\":\"Condition\"}}]}";
        Response transaction = send("POST", baseUrl(), refusedToken, bundle, Map.of());
        assertFailedWithOperationOutcome(transaction);
        assertThat(patientsWithMrn(mrn)).isZero();
        assertTheFailuresAreAuditedAndTheChainIsIntact(1);
    }

    @Test
    void anUpdateOrPatchWhoseAuditFailsLeavesTheResourceAsItWas() {
        Patient stored = (Patient)
                ehr().create().resource(patient(uniqueMrn())).execute().getResource();
        String id = stored.getIdElement().getIdPart();
        Patient changed = stored.copy();
        changed.getNameFirstRep().setFamily("Changed");
        Response update = send("PUT", baseUrl() + "/Patient/" + id, refusedToken, json(changed), Map.of());
        assertFailedWithOperationOutcome(update);
        String fhirPathPatch = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"operation\",\"part\":["
                + "{\"name\":\"type\",\"valueCode\":\"replace\"},{\"name\":\"path\",\"valueString\":\"Patient.gender\"},"
                + "{\"name\":\"value\",\"valueCode\":\"other\"}]}]}";
        Response patched = send("PATCH", baseUrl() + "/Patient/" + id, refusedToken, fhirPathPatch, Map.of());
        assertFailedWithOperationOutcome(patched);
        Patient now = ehr().read().resource(Patient.class).withId(id).execute();
        assertThat(now.getMeta().getVersionId()).isEqualTo("1");
        assertThat(now.getNameFirstRep().getFamily())
                .isEqualTo(stored.getNameFirstRep().getFamily());
        assertThat(now.getGender()).isEqualTo(stored.getGender());
        assertTheFailuresAreAuditedAndTheChainIsIntact(2);
    }

    @Test
    void aReadWhoseAuditFailsIsRefused() {
        String id =
                ehr().create().resource(patient(uniqueMrn())).execute().getId().getIdPart();
        Response read = send("GET", baseUrl() + "/Patient/" + id, refusedToken, null, Map.of());
        assertFailedWithOperationOutcome(read);
        assertThat(read.body()).doesNotContain("\"resourceType\": \"Patient\"");
    }

    @Test
    void aStoredWriteAndItsAuditEventAreOneTransaction() {
        String token = freshEhrToken();
        String id = clientWithToken(token)
                .create()
                .resource(patient(uniqueMrn()))
                .execute()
                .getId()
                .getIdPart();
        Map<String, Object> event = single(rowsOfToken(jdbc, token, 1));
        assertThat(event.get("http_status")).isEqualTo(201);
        assertThat(array(event.get("resource_refs"))).contains("Patient/" + id);
        Object dataTransaction = jdbc.queryForObject(
                "SELECT xmin::text FROM hfj_resource WHERE res_type = 'Patient' AND fhir_id = ?", Object.class, id);
        Object auditTransaction = jdbc.queryForObject(
                "SELECT xmin::text FROM rehab_audit_event WHERE seq = ?", Object.class, event.get("seq"));
        assertThat(auditTransaction)
                .as("the AuditEvent row was written by the write's transaction")
                .isEqualTo(dataTransaction);
    }

    private void assertFailedWithOperationOutcome(Response response) {
        assertThat(response.status()).as(response.body()).isBetween(500, 599);
        assertThat(response.body())
                .contains("OperationOutcome")
                .doesNotContain("\tat ")
                .doesNotContain("Exception:");
    }

    /** Each refused write left one failure event (outcome 8) and no success event; the chain verifies. */
    private void assertTheFailuresAreAuditedAndTheChainIsIntact(int failures) {
        List<Map<String, Object>> rows = rowsOfToken(jdbc, refusedToken, failures);
        assertThat(rows).hasSize(failures).allSatisfy(row -> assertThat(row.get("outcome"))
                .isEqualTo("8"));
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

    private int patientsWithMrn(String mrn) {
        return ehr().search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(MRN_SYSTEM, mrn))
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                .execute()
                .getEntry()
                .size();
    }

    private int count(String type) {
        Integer n = jdbc.queryForObject("SELECT count(*) FROM hfj_resource WHERE res_type = ?", Integer.class, type);
        return n == null ? 0 : n;
    }

    private int count(String type, String subject) {
        Integer n = jdbc.queryForObject(
                "SELECT count(*) FROM hfj_resource r JOIN hfj_res_link l ON l.src_resource_id = r.res_id"
                        + " WHERE r.res_type = ? AND l.src_path LIKE '%.subject' AND l.target_resource_id = (SELECT res_id"
                        + " FROM hfj_resource WHERE res_type = 'Patient' AND fhir_id = ?)",
                Integer.class, type, subject.substring(subject.indexOf('/') + 1));
        return n == null ? 0 : n;
    }

    private static String json(org.hl7.fhir.instance.model.api.IBaseResource resource) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(resource);
    }
}
