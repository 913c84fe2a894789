package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.server.audit.AuditTestSupport.*;
import static org.rehabfhir.server.support.TestData.*;

import java.sql.Connection;
import java.sql.Statement;
import java.util.Map;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/** AuditEvents cannot be changed through the API nor through the server's database connection; tampering shows. */
class AuditAppendOnlyIT extends AbstractFhirServerIT {

    @Autowired
    DataSource dataSource;

    JdbcTemplate jdbc;
    long seq;

    @BeforeEach
    void oneEvent() {
        jdbc = jdbc(dataSource);
        String token = freshEhrToken();
        clientWithToken(token).create().resource(patient(uniqueMrn())).execute();
        seq = ((Number) single(rowsOfToken(jdbc, token, 1)).get("seq")).longValue();
    }

    @Test
    void updateDeleteAndCreateThroughTheApiAreRefusedForEverybody() {
        String event = send("GET", baseUrl() + "/AuditEvent/" + seq, Tokens.user("audrey"), null, Map.of())
                .body();
        assertThat(event).contains("\"resourceType\": \"AuditEvent\"");
        for (String token : new String[] {Tokens.user("audrey"), Tokens.ehr(), Tokens.user("alice")}) {
            Response put = send("PUT", baseUrl() + "/AuditEvent/" + seq, token, event, Map.of());
            Response delete = send("DELETE", baseUrl() + "/AuditEvent/" + seq, token, null, Map.of());
            Response post = send(
                    "POST", baseUrl() + "/AuditEvent", token, event.replace("\"id\": \"" + seq + "\",", ""), Map.of());
            for (Response response : new Response[] {put, delete, post}) {
                assertThat(response.status()).isIn(403, 405);
                assertThat(response.body()).contains("OperationOutcome");
            }
            assertThat(put.status()).isEqualTo(405);
        }
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":\"urn:uuid:"
                + java.util.UUID.randomUUID() + "\",\"resource\":"
                + event.replace("\"id\": \"" + seq + "\",", "")
                + ",\"request\":{\"method\":\"POST\",\"url\":\"AuditEvent\"}}]}";
        Response transaction = send("POST", baseUrl(), Tokens.ehr(), bundle, Map.of());
        assertThat(transaction.status()).isIn(403, 405, 422);
        assertThat(transaction.body()).contains("OperationOutcome");
        // still one record with that id, unchanged
        AuditEvent read = auditor()
                .read()
                .resource(AuditEvent.class)
                .withId(Long.toString(seq))
                .execute();
        assertThat(read.getSubtypeFirstRep().getCode()).isEqualTo("create");
    }

    @Test
    void theServersDatabaseConnectionCannotUpdateDeleteOrTruncate() {
        assertThatThrownBy(() ->
                        jdbc.update("UPDATE rehab_audit_event SET outcome = '0', http_status = 200 WHERE seq = ?", seq))
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> jdbc.update("DELETE FROM rehab_audit_event WHERE seq = ?", seq))
                .hasStackTraceContaining("append-only");
        assertThatThrownBy(() -> jdbc.execute("TRUNCATE rehab_audit_event")).hasStackTraceContaining("append-only");
        Integer privileges = jdbc.queryForObject(
                "SELECT count(*) FROM information_schema.role_table_grants WHERE table_name = 'rehab_audit_event'"
                        + " AND grantee = 'PUBLIC' AND privilege_type IN ('UPDATE', 'DELETE', 'TRUNCATE')",
                Integer.class);
        assertThat(privileges).isZero();
        assertThat(jdbc.queryForObject("SELECT count(*) FROM rehab_audit_event WHERE seq = ?", Integer.class, seq))
                .isEqualTo(1);
    }

    @Test
    void alteringOneStoredRecordIsReportedAtThatRecord() throws Exception {
        assertThat(verify().getParameterBool("intact")).isTrue();
        // a later record exists, so the altered one sits inside the chain
        auditor()
                .search()
                .forResource(AuditEvent.class)
                .count(1)
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                .execute();
        String original =
                jdbc.queryForObject("SELECT event_json FROM rehab_audit_event WHERE seq = ?", String.class, seq);
        try {
            setJson(original.replace("\"outcome\":\"0\"", "\"outcome\":\"4\""));
            Parameters broken = verify();
            assertThat(broken.getParameterBool("intact")).isFalse();
            assertThat(broken.getParameterValue("firstBrokenId").primitiveValue())
                    .isEqualTo(Long.toString(seq));
            assertThat(broken.getParameterValue("reason").primitiveValue()).contains("hash");
        } finally {
            setJson(original);
        }
        Parameters restored = verify();
        assertThat(((BooleanType) restored.getParameterValue("intact")).booleanValue())
                .isTrue();
        assertThat(restored.getParameterValue("checked").primitiveValue()).isNotEqualTo("0");
    }

    @Test
    void verifyChainIsForAuditorsOnly() {
        Response physio = send("GET", baseUrl() + "/AuditEvent/$verify-chain", Tokens.user("alice"), null, Map.of());
        assertThat(physio.status()).isEqualTo(403);
        Response anonymous = send("GET", baseUrl() + "/AuditEvent/$verify-chain", null, null, Map.of());
        assertThat(anonymous.status()).isEqualTo(401);
    }

    private Parameters verify() {
        return auditor()
                .operation()
                .onType(AuditEvent.class)
                .named("$verify-chain")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
    }

    /** As a database owner would: switch the append-only trigger off for one change. */
    private void setJson(String json) throws Exception {
        try (Connection connection = dataSource.getConnection();
                Statement statement = connection.createStatement()) {
            connection.setAutoCommit(false);
            statement.execute("ALTER TABLE rehab_audit_event DISABLE TRIGGER rehab_audit_event_no_update_delete");
            try (var update =
                    connection.prepareStatement("UPDATE rehab_audit_event SET event_json = ? WHERE seq = ?")) {
                update.setString(1, json);
                update.setLong(2, seq);
                assertThat(update.executeUpdate()).isEqualTo(1);
            }
            statement.execute("ALTER TABLE rehab_audit_event ENABLE TRIGGER rehab_audit_event_no_update_delete");
            connection.commit();
            connection.setAutoCommit(true);
        }
    }
}
