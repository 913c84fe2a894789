package org.rehabfhir.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Issue 15: every pooled connection plans each execution of a prepared statement for its own values
 * ({@code spring.datasource.hikari.connection-init-sql}). PostgreSQL's generic plan, chosen after five executions on a
 * connection, took 209 ms instead of 1.7 ms for the engine's coded read of a patient with 10,000 Observations (it
 * guesses a patient's rows from the average patient); docs/operations.md, "Third round".
 */
class PooledConnectionPlansIT extends AbstractFhirServerIT {

    @Autowired
    private DataSource dataSource;

    @Test
    void pooledConnectionsPlanEachExecutionForItsValues() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);

        assertThat(jdbc.queryForObject("SHOW plan_cache_mode", String.class)).isEqualTo("force_custom_plan");
        // the statement timeout set by the same init statement is kept
        assertThat(jdbc.queryForObject("SHOW statement_timeout", String.class)).isNotEqualTo("0");
    }
}
