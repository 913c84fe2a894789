package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import java.net.http.HttpResponse;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Finding 5 (issue 10): request work runs under a PostgreSQL statement timeout ({@code rehab.fhir.statement-timeout},
 * set on every pooled connection), so a search that would run for minutes is cancelled in the database and answered
 * 503 with an OperationOutcome; search depth is bounded (400). The slow query is made deterministic by holding a
 * lock on HAPI's resource table from a second connection, so the search waits past the timeout.
 */
class StatementTimeoutIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(StatementTimeoutIT.class);

    @Autowired
    private DataSource dataSource;

    @Value("${rehab.fhir.statement-timeout:30s}")
    private Duration statementTimeout;

    @Test
    void poolConnectionsCarryTheStatementTimeout() {
        String value = new JdbcTemplate(dataSource).queryForObject("SHOW statement_timeout", String.class);

        assertThat(value).isEqualTo(statementTimeout.toSeconds() + "s");
    }

    /** Bounded check: one request, answered within the timeout plus 20 s, never the minutes it would run. */
    @Test
    void searchPastTheStatementTimeoutIsCancelledAnd503() throws Exception {
        HttpResponse<String> response;
        long started;
        try (Connection blocker = dataSource.getConnection()) {
            blocker.setAutoCommit(false);
            try (Statement lock = blocker.createStatement()) {
                lock.execute("SET LOCAL statement_timeout = 0");
                lock.execute("LOCK TABLE hfj_resource, hfj_res_link, hfj_spidx_token IN ACCESS EXCLUSIVE MODE");
            }
            started = System.nanoTime();
            response = RawHttp.to(root())
                    .bearer(Caller.EHR.token())
                    .get(
                            "/fhir/Observation?patient:Patient._has:Condition:patient:code=http://snomed.info/sct|239873007&_summary=count")
                    .send();
            blocker.rollback();
        }
        Duration took = Duration.ofNanos(System.nanoTime() - started);
        log.info(
                "Search blocked past the statement timeout of {}: {} after {} ms",
                statementTimeout,
                response.statusCode(),
                took.toMillis());

        assertThat(response.statusCode()).as(response.body()).isEqualTo(503);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(took).isLessThan(statementTimeout.plusSeconds(20));
        // the server is fine afterwards
        assertThat(RawHttp.to(root())
                        .bearer(Caller.EHR.token())
                        .get("/fhir/Patient?_count=1")
                        .send()
                        .statusCode())
                .isEqualTo(200);
    }

    @Test
    void searchDeeperThanTheLimitIs400() {
        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.EHR.token())
                .get("/fhir/Observation?patient._has:Condition:patient:_has:Observation:patient:code=x")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        RawHttp.assertCleanOperationOutcome(response);
    }

    private String root() {
        return "http://localhost:" + port;
    }
}
