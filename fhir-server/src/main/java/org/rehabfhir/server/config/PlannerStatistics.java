package org.rehabfhir.server.config;

import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.dao.DataAccessException;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * PostgreSQL's planner statistics of one column of HAPI's schema, kept at PostgreSQL's default after HAPI's migration.
 *
 * <p>HAPI's migrator raises the statistics target of {@code HFJ_RES_LINK.SRC_RESOURCE_ID} to 10,000. That column is
 * the join key of every reference search ({@code patient=}, {@code subject=}, chains): with 10,000 most-common values
 * the planner decompresses a statistics array of 30 kB or more and compares the join's most-common-value lists at
 * every planning of such a query. On the side-by-side benchmark's data (a patient with 10,000 Observations) planning
 * took 9-16 ms of a search whose execution took 0.5 ms, and 3.6 ms for a join of two tables; with the default target
 * 1.7 ms and 0.4 ms, the plans unchanged (docs/operations.md, "Sixth round"). The pooled connections plan each
 * execution ({@code plan_cache_mode}, {@code PooledConnectionPlansIT}), so that cost was paid by every search. The
 * column is only joined on, never compared with a value, so its default statistics are all its estimates need.
 * {@code TARGET_RESOURCE_ID} (compared with the patient's id, skewed) keeps HAPI's 10,000.
 */
final class PlannerStatistics {

    private static final Logger log = LoggerFactory.getLogger(PlannerStatistics.class);

    static final String TABLE = "hfj_res_link";
    static final String COLUMN = "src_resource_id";

    private PlannerStatistics() {}

    /**
     * Sets the column's statistics target to PostgreSQL's default and gathers its statistics again, when it is not
     * at the default (the first start after HAPI's migration set it); otherwise does nothing. A role that may not
     * alter the table gets a warning with the statements to run, and the server starts.
     */
    static void apply(DataSource dataSource) {
        int target = target(dataSource);
        if (target < 0) {
            return;
        }
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        long started = System.nanoTime();
        String alter = "ALTER TABLE " + TABLE + " ALTER COLUMN " + COLUMN + " SET STATISTICS -1";
        try {
            jdbc.execute(alter);
            jdbc.execute("ANALYZE " + TABLE + " (" + COLUMN + ")");
        } catch (DataAccessException e) {
            // a tuning, not a condition of the start: a role that does not own HAPI's tables cannot alter them
            log.warn(
                    "Planner statistics: could not set {}.{} to PostgreSQL's default ({}); searches plan slower."
                            + " As the tables' owner run: {}; ANALYZE {} ({})",
                    TABLE,
                    COLUMN,
                    e.getMostSpecificCause().getMessage(),
                    alter,
                    TABLE,
                    COLUMN);
            return;
        }
        log.info(
                "Planner statistics: {}.{} target {} -> PostgreSQL's default, analyzed in {} ms",
                TABLE,
                COLUMN,
                target,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** The column's statistics target ({@code -1}: PostgreSQL's default, which PostgreSQL 17 says as NULL). */
    static int target(DataSource dataSource) {
        Integer target = new JdbcTemplate(dataSource)
                .queryForObject(
                        "SELECT coalesce(attstattarget, -1) FROM pg_attribute WHERE attrelid = to_regclass(?)"
                                + " AND attname = ?",
                        Integer.class,
                        TABLE,
                        COLUMN);
        return target == null ? -1 : target;
    }
}
