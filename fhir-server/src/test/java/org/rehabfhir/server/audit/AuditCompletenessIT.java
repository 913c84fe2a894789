package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.audit.AuditTestSupport.array;
import static org.rehabfhir.server.audit.AuditTestSupport.freshEhrToken;
import static org.rehabfhir.server.audit.AuditTestSupport.rowsOfToken;
import static org.rehabfhir.server.audit.AuditTestSupport.send;
import static org.rehabfhir.server.audit.AuditTestSupport.waitFor;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.engine.TextCandidateIndex;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finding 6 (issue 10): every request that names a patient names that patient in its AuditEvent (also a count-only
 * search by bare id), and every rejected request is audited: refused by Spring Security's firewall ({@code ;} in the
 * path, {@code %2e}), by Tomcat itself (request line or a header over the limit), and actuator calls.
 */
class AuditCompletenessIT extends AbstractFhirServerIT {

    @Autowired
    DataSource dataSource;

    JdbcTemplate jdbc;

    @BeforeEach
    void setUp() {
        jdbc = AuditTestSupport.jdbc(dataSource);
    }

    @Test
    void countOnlySearchByBareIdNamesThePatient() {
        String id = ehrPatient().getIdPart();
        String token = freshEhrToken();

        AuditTestSupport.Response response =
                send("GET", baseUrl() + "/Condition?subject=" + id + "&_summary=count", token, null, Map.of());

        assertThat(response.status()).isEqualTo(200);
        Map<String, Object> row = AuditTestSupport.single(rowsOfToken(jdbc, token, 1));
        assertThat(array(row.get("patient_refs"))).contains("Patient/" + id);
    }

    @Test
    void aSearchByTheServersOwnReferenceParameterAndABareIdNamesThePatient() {
        String id = ehrPatient().getIdPart();
        String token = freshEhrToken();

        AuditTestSupport.Response response = send(
                "GET",
                baseUrl() + "/Observation?" + TextCandidateIndex.CODE + "=" + id + "&_summary=count",
                token,
                null,
                Map.of());

        assertThat(response.status()).isEqualTo(200);
        Map<String, Object> row = AuditTestSupport.single(rowsOfToken(jdbc, token, 1));
        assertThat(array(row.get("patient_refs"))).contains("Patient/" + id);
    }

    @Test
    void firewallRejectionsAreAuditedWithAnOperationOutcome() {
        String marker = UUID.randomUUID().toString();
        String token = freshEhrToken();

        AuditTestSupport.Response semicolon =
                send("GET", "http://localhost:" + port + "/fhir/Patient;x=" + marker, token, null, Map.of());
        AuditTestSupport.Response encodedDot =
                send("GET", "http://localhost:" + port + "/fhir/Patient/%2e%2e/" + marker, token, null, Map.of());

        assertThat(semicolon.status()).isEqualTo(400);
        assertThat(encodedDot.status()).isEqualTo(400);
        assertThat(semicolon.body()).contains("OperationOutcome");
        List<Map<String, Object>> rows =
                waitFor(jdbc, "SELECT * FROM rehab_audit_event WHERE request_path LIKE ?", 2, "%" + marker + "%");
        assertThat(rows).hasSize(2).allSatisfy(row -> assertThat(row.get("http_status"))
                .isEqualTo(400));
    }

    @Test
    void requestsTomcatRefusesItselfAreAudited() {
        String marker = UUID.randomUUID().toString();
        String from = "127.0.0.3";

        int longHeader = RawSocket.send(
                from,
                port,
                "GET /fhir/Patient/" + marker + " HTTP/1.1\r\nHost: localhost\r\n" + "X-Pad: " + "a".repeat(20_000));
        int longUrl = RawSocket.send(
                from, port, "GET /fhir/Patient?name=" + "b".repeat(20_000) + " HTTP/1.1\r\nHost: localhost");

        assertThat(longHeader).isBetween(400, 499);
        assertThat(longUrl).isBetween(400, 499);
        List<Map<String, Object>> rows =
                waitFor(jdbc, "SELECT * FROM rehab_audit_event WHERE source_ip = ? AND http_status >= 400", 2, from);
        assertThat(rows).hasSizeGreaterThanOrEqualTo(2);
        assertThat(rows).anySatisfy(row -> assertThat(String.valueOf(row.get("request_path")))
                .contains(marker));
    }

    @Test
    void actuatorCallsAreAuditedWithTheCaller() {
        String token = freshEhrToken();

        AuditTestSupport.Response response =
                send("GET", "http://localhost:" + port + "/actuator/info", token, null, Map.of());

        assertThat(response.status()).isLessThan(500);
        Map<String, Object> row = AuditTestSupport.single(rowsOfToken(jdbc, token, 1));
        assertThat(String.valueOf(row.get("request_path"))).contains("/actuator/info");
    }
}
