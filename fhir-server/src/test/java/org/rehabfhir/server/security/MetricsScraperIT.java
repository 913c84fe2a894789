package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.util.List;
import java.util.Map;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finding 13 (issue 10): {@code /actuator/metrics} and {@code /actuator/prometheus} answer only the monitoring client
 * {@code metrics-scraper} (realm role metrics-scraper), whose token reaches nothing of the FHIR API; any other valid
 * token gets 403. Every actuator call (but successful health probes) is audited with the caller.
 */
class MetricsScraperIT extends AbstractFhirServerIT {

    @Autowired
    private DataSource dataSource;

    @Test
    void otherCallersGet403ForMetrics() {
        for (String token : List.of(Caller.EHR.token(), Caller.PHYSIO.token(), Caller.AUDITOR.token())) {
            for (String path :
                    List.of("/actuator/prometheus", "/actuator/metrics", "/actuator/metrics/jvm.memory.used")) {
                HttpResponse<String> response =
                        RawHttp.to(root()).get(path).bearer(token).send();
                assertThat(response.statusCode()).as(path).isEqualTo(403);
                assertThat(response.body()).doesNotContain("jvm_memory");
            }
        }
    }

    @Test
    void anonymousGets401ForMetrics() {
        assertThat(RawHttp.to(root()).get("/actuator/prometheus").send().statusCode())
                .isEqualTo(401);
    }

    @Test
    void scraperReadsMetricsAndTheReadIsAudited() {
        String token = keycloak()
                .tokens()
                .clientCredentials("metrics-scraper", "metrics-scraper-DEV-ONLY-secret", null)
                .accessToken();

        HttpResponse<String> response = RawHttp.to(root())
                .get("/actuator/prometheus")
                .header("Accept", "text/plain")
                .bearer(token)
                .send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("jvm_memory_used_bytes");
        List<Map<String, Object>> rows = auditRowsOf(token);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("client_id")).isEqualTo("metrics-scraper");
        assertThat(String.valueOf(rows.get(0).get("request_path"))).contains("/actuator/prometheus");
    }

    @Test
    void refusedMetricsReadIsAuditedWithTheCaller() {
        String token = keycloak().tokens().ehrHospitalToken();

        RawHttp.to(root()).get("/actuator/metrics").bearer(token).send();

        List<Map<String, Object>> rows = auditRowsOf(token);
        assertThat(rows).hasSize(1);
        assertThat(rows.get(0).get("http_status")).isEqualTo(403);
    }

    @Test
    void scraperTokenReachesNoFhirData() {
        HttpResponse<String> response = RawHttp.to(root())
                .get("/fhir/Patient?_count=1")
                .bearer(Tokens.metricsScraper())
                .send();

        assertThat(response.statusCode()).isEqualTo(403);
    }

    /** The audit rows of a token; the actuator's row is written as the response completes, so wait briefly. */
    private List<Map<String, Object>> auditRowsOf(String token) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        Object jti = TokenClient.claims(token).get("jti");
        long deadline = System.nanoTime() + 5_000_000_000L;
        List<Map<String, Object>> rows = jdbc.queryForList("SELECT * FROM rehab_audit_event WHERE token_id = ?", jti);
        while (rows.isEmpty() && System.nanoTime() < deadline) {
            try {
                Thread.sleep(100);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                break;
            }
            rows = jdbc.queryForList("SELECT * FROM rehab_audit_event WHERE token_id = ?", jti);
        }
        return rows;
    }

    private String root() {
        return "http://localhost:" + port;
    }
}
