package org.rehabfhir.server.config;

import static org.assertj.core.api.Assertions.assertThat;

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

    @Test
    void theReferenceJoinKeyHasPostgresDefaultStatisticsAfterTheStart() {
        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(-1);
    }

    @Test
    void aTargetSetByHapisMigrationIsSetBackAndAnalyzed() {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        jdbc.execute("ALTER TABLE hfj_res_link ALTER COLUMN src_resource_id SET STATISTICS 10000");
        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(10000);

        PlannerStatistics.apply(dataSource);

        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(-1);
        // analyzed with the default target: at most 100 most-common values, not thousands
        Integer mostCommon = jdbc.queryForObject(
                "SELECT coalesce(cardinality(most_common_freqs), 0) FROM pg_stats"
                        + " WHERE tablename = 'hfj_res_link' AND attname = 'src_resource_id'",
                Integer.class);
        assertThat(mostCommon).isNotNull().isLessThanOrEqualTo(100);
    }

    @Test
    void aRoleThatMayNotAlterHapisTablesIsWarnedAndTheTargetLeft() {
        JdbcTemplate owner = new JdbcTemplate(dataSource);
        owner.execute("DO $$ BEGIN IF NOT EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'planner_probe') THEN"
                + " CREATE ROLE planner_probe LOGIN PASSWORD 'planner-probe-test-only'; END IF; END $$");
        owner.execute("ALTER TABLE hfj_res_link ALTER COLUMN src_resource_id SET STATISTICS 10000");
        try {
            DataSource notOwner = new DriverManagerDataSource(
                    PostgresTestDatabase.shared().jdbcUrl(), "planner_probe", "planner-probe-test-only");

            PlannerStatistics.apply(notOwner); // no exception: the start goes on

            assertThat(PlannerStatistics.target(dataSource)).isEqualTo(10000);
        } finally {
            PlannerStatistics.apply(dataSource);
        }
        assertThat(PlannerStatistics.target(dataSource)).isEqualTo(-1);
    }
}
