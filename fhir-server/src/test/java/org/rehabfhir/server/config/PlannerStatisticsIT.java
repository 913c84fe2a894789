package org.rehabfhir.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import javax.sql.DataSource;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.PostgresTestDatabase;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DriverManagerDataSource;

/**
 * Issue 15: the join key of reference searches keeps PostgreSQL's default statistics, not the 10,000 most-common
 * values HAPI's migration gives it, whose comparison made planning a search take 20 times its execution.
 */
class PlannerStatisticsIT extends AbstractFhirServerIT {

    @Autowired
    private DataSource dataSource;

    private JdbcTemplate jdbc() {
        return new JdbcTemplate(dataSource);
    }

    @Test
    void afterTheStartOnlyTheReferenceJoinKeyIsBackAtPostgresDefault() {
        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(-1);
        // HAPI's migration ran and set its targets; the skewed target column keeps HAPI's
        assertThat(jdbc().queryForObject(
                                "SELECT attstattarget FROM pg_attribute WHERE attrelid = 'hfj_res_link'::regclass"
                                        + " AND attname = 'target_resource_id'",
                                Integer.class))
                .isEqualTo(10000);
    }

    @Test
    void aTargetSetByHapisMigrationIsSetBackAndTheColumnAnalyzed() {
        jdbc().execute("ALTER TABLE hfj_res_link ALTER COLUMN src_resource_id SET STATISTICS 10000");
        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(10000);
        long analyzedBefore = analyzeCount();

        PlannerStatistics.apply(dataSource);

        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(-1);
        assertThat(analyzeCount()).isGreaterThan(analyzedBefore);
    }

    @Test
    void aRoleThatMayNotAlterHapisTablesIsWarnedAndTheTargetLeft() {
        String role =
                "planner_probe_" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
        String password = UUID.randomUUID().toString();
        jdbc().execute("CREATE ROLE " + role + " LOGIN PASSWORD '" + password + "'");
        jdbc().execute("ALTER TABLE hfj_res_link ALTER COLUMN src_resource_id SET STATISTICS 10000");
        try {
            DataSource notOwner =
                    new DriverManagerDataSource(PostgresTestDatabase.shared().jdbcUrl(), role, password);

            PlannerStatistics.apply(notOwner); // no exception: the start goes on

            assertThat(PlannerStatistics.target(dataSource)).isEqualTo(10000);
        } finally {
            PlannerStatistics.apply(dataSource);
            jdbc().execute("DROP ROLE " + role);
        }
        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(-1);
    }

    private long analyzeCount() {
        Long count = jdbc().queryForObject(
                        "SELECT analyze_count FROM pg_stat_user_tables WHERE relname = 'hfj_res_link'", Long.class);
        return count == null ? 0 : count;
    }
}
