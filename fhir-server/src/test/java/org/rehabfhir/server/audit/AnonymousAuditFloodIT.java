package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.audit.AuditTestSupport.waitFor;

import java.util.List;
import java.util.Map;
import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finding 7 (issue 10): anonymous requests cannot fill the audit table. From one source (127.0.0.2, a loopback
 * address of this test's own), 130 anonymous requests with 6 kB of attacker-chosen path each: the first 20 are
 * stored singly with the path truncated, the next 100 as one summary event that counts them (so the auditor still
 * sees every one), the remaining 10 are counted towards the next summary.
 */
class AnonymousAuditFloodIT extends AbstractFhirServerIT {

    private static final String SOURCE = "127.0.0.2";

    @Autowired
    DataSource dataSource;

    @Test
    void repeatedAnonymousFailuresAreTruncatedAndAggregated() {
        JdbcTemplate jdbc = AuditTestSupport.jdbc(dataSource);
        String marker = UUID.randomUUID().toString();
        String pad = "p".repeat(3_000);

        for (int i = 0; i < 130; i++) {
            int status = RawSocket.send(
                    SOURCE,
                    port,
                    "GET /fhir/Patient/" + marker + "/" + pad + "?q=" + pad + " HTTP/1.1\r\nHost: localhost");
            assertThat(status).isEqualTo(401);
        }

        List<Map<String, Object>> singles = waitFor(
                jdbc,
                "SELECT request_path, octet_length(event_json::text) AS size FROM rehab_audit_event"
                        + " WHERE source_ip = ? AND request_path LIKE ?",
                20,
                SOURCE,
                "%" + marker + "%");
        List<Map<String, Object>> summaries = waitFor(
                jdbc,
                "SELECT event_json::text AS json FROM rehab_audit_event WHERE source_ip = ? AND request_path = '(aggregated)'",
                1,
                SOURCE);
        assertThat(singles).hasSize(20).allSatisfy(row -> {
            assertThat(((String) row.get("request_path")).length()).isLessThanOrEqualTo(512);
            assertThat(((Number) row.get("size")).intValue()).isLessThan(6_144); // before: about 16 kB each
        });
        assertThat(summaries).hasSize(1);
        assertThat((String) summaries.get(0).get("json"))
                .contains("aggregated: 100 further anonymous failures from " + SOURCE);
    }
}
