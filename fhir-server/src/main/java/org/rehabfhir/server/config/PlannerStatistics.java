package org.rehabfhir.server.config;

import java.sql.SQLException;
import java.util.List;
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
 * execution ({@code plan_cache_mode}, {@code PooledConnectionPlansIT}), so that cost was paid by every search. Where
 * the column is compared with values (HAPI's look-up of one resource's links, {@code _include} by source ids) it is
 * nearly unique and indexed: the default statistics are all those estimates need. {@code TARGET_RESOURCE_ID}
 * (compared with a patient's id, skewed) keeps HAPI's 10,000.
 */
final class PlannerStatistics {

    private static final Logger log = LoggerFactory.getLogger(PlannerStatistics.class);

    static final String TABLE = "hfj_res_link";
    static final String COLUMN = "src_resource_id";
    /** PostgreSQL's SQLSTATE for a missing privilege (here: not the table's owner). */
    private static final String INSUFFICIENT_PRIVILEGE = "42501";

    private PlannerStatistics() {}

    /**
     * At each start: when the column's target is not the default (the first start after HAPI's migration set it),
     * sets it to PostgreSQL's default and analyzes the column; otherwise does nothing. A failure is a warning, never
     * a failed start: a role that does not own HAPI's tables is told the statements to run as the owner.
     */
    static void apply(DataSource dataSource) {
        int target = target(dataSource);
        if (target < 0) {
            return;
        }
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        long started = System.nanoTime();
        String alter = "ALTER TABLE " + TABLE + " ALTER COLUMN " + COLUMN + " SET STATISTICS -1";
        String analyze = "ANALYZE " + TABLE + " (" + COLUMN + ")";
        try {
            // one implicit transaction: when the ANALYZE fails the ALTER is rolled back, and the next start tries again
            jdbc.execute(alter + "; " + analyze);
        } catch (DataAccessException e) {
            log.warn(
                    "Planner statistics: could not set {}.{} to PostgreSQL's default ({}); reference searches plan"
                            + " slower. {}",
                    TABLE,
                    COLUMN,
                    e.getMostSpecificCause().getMessage(),
                    INSUFFICIENT_PRIVILEGE.equals(sqlState(e))
                            ? "As the tables' owner run: " + alter + "; " + analyze
                            : "Tried again at the next start.");
            return;
        }
        log.info(
                "Planner statistics: {}.{} target {} -> PostgreSQL's default, analyzed in {} ms",
                TABLE,
                COLUMN,
                target,
                (System.nanoTime() - started) / 1_000_000);
    }

    /**
     * The column's statistics target: {@code -1} for PostgreSQL's default (which PostgreSQL 17 says as NULL) and when
     * the table is not there.
     */
    static int target(DataSource dataSource) {
        List<Integer> target = new JdbcTemplate(dataSource)
                .queryForList(
                        "SELECT coalesce(attstattarget, -1) FROM pg_attribute WHERE attrelid = to_regclass(?)"
                                + " AND attname = ?",
                        Integer.class,
                        TABLE,
                        COLUMN);
        return target.isEmpty() || target.get(0) == null ? -1 : target.get(0);
    }

    private static String sqlState(DataAccessException e) {
        return e.getMostSpecificCause() instanceof SQLException sql ? sql.getSQLState() : null;
    }
}
