package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.SQLException;
import java.time.Duration;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.concurrent.ExecutionException;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.BooleanSupplier;
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Events appended in a transaction of their own (reads, refusals) are group-committed: concurrent callers' events
 * share one transaction, the chain stays linked, an event the database refuses fails for its own caller only, and a
 * batch the database does not take fails the events queued behind it at once. The chain's advisory lock is held from
 * a connection of the test while the appends queue up, so that they meet in one batch.
 */
class AuditGroupCommitIT extends AbstractFhirServerIT {

    private static final int CALLERS = 20;

    /** The chain's advisory lock in {@code pg_locks}: a bigint key is classid (high half), objid (low), objsubid 1. */
    private static final String CHAIN_LOCK_WAITERS = "FROM pg_locks WHERE locktype = 'advisory' AND NOT granted"
            + " AND database = (SELECT oid FROM pg_database WHERE datname = current_database())"
            + " AND classid = " + (AuditStore.APPEND_LOCK_KEY >>> 32) + " AND objid = "
            + (AuditStore.APPEND_LOCK_KEY & 0xFFFFFFFFL) + " AND objsubid = 1";

    @Autowired
    AuditStore store;

    @Autowired
    DataSource dataSource;

    JdbcTemplate jdbc;

    @BeforeEach
    void database() {
        jdbc = AuditTestSupport.jdbc(dataSource);
    }

    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS + 1);

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void concurrentAppendsCommitTogetherAndStayChained() throws Exception {
        Run run = whileTheChainIsLocked(null, holder -> {});

        List<Long> seqs = new ArrayList<>();
        for (Future<AuditRow> append : run.appends()) {
            seqs.add(append.get(30, TimeUnit.SECONDS).seq());
        }
        seqs.sort(null);
        assertThat(seqs).doesNotHaveDuplicates().hasSize(CALLERS);
        Map<String, Object> stored = jdbc.queryForMap(
                "SELECT count(*) AS n, count(DISTINCT xmin::text) AS transactions FROM rehab_audit_event"
                        + " WHERE request_path LIKE ?",
                run.prefix() + "%");
        assertThat(((Number) stored.get("n")).intValue()).isEqualTo(CALLERS);
        // the first caller's event alone (it took the batch before the others queued), the others' together
        assertThat(((Number) stored.get("transactions")).intValue()).isLessThanOrEqualTo(2);
        for (int i = 1; i < CALLERS; i++) {
            AuditRow row = store.find(seqs.get(i)).orElseThrow();
            AuditRow previous = store.find(seqs.get(i - 1)).orElseThrow();
            if (row.seq() == previous.seq() + 1) { // consecutive (another test's append may sit between two batches)
                assertThat(row.prevHash()).isEqualTo(previous.hash());
            }
            assertThat(AuditHash.hash(row)).isEqualTo(row.hash());
        }
        assertThat(store.verify().intact()).isTrue();
    }

    @Test
    void anEventTheDatabaseRefusesFailsForItsCallerOnly() throws Exception {
        // PostgreSQL refuses a NUL character in text (SQLState 22021)
        Run run = whileTheChainIsLocked("\u0000", holder -> {});

        Future<AuditRow> refused = run.appends().get(CALLERS);
        assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(SQLException.class)
                .hasMessageContaining("0x00")
                .hasMessageNotContaining("INSERT INTO"); // the driver's message repeats the statement's values
        for (Future<AuditRow> append : run.appends().subList(0, CALLERS)) {
            assertThat(append.get(30, TimeUnit.SECONDS).seq()).isPositive();
        }
        assertThat(store.verify().intact()).isTrue();
    }

    @Test
    void aBatchTheDatabaseDoesNotTakeFailsTheEventsQueuedBehindItAtOnce() throws Exception {
        // the first caller's statement is cancelled while it waits for the chain's lock (SQLState 57014, not about
        // the event): the others, queued meanwhile, are failed with it rather than trying the database in turn
        Run run = whileTheChainIsLocked(null, holder -> {
            try (PreparedStatement cancel =
                    holder.prepareStatement("SELECT pg_cancel_backend(pid) " + CHAIN_LOCK_WAITERS)) {
                cancel.execute();
            }
        });

        for (Future<AuditRow> append : run.appends()) {
            assertThatThrownBy(() -> append.get(30, TimeUnit.SECONDS))
                    .isInstanceOf(ExecutionException.class)
                    .hasMessageContaining("canceling statement");
        }
        Integer stored = jdbc.queryForObject(
                "SELECT count(*) FROM rehab_audit_event WHERE request_path LIKE ?", Integer.class, run.prefix() + "%");
        assertThat(stored).isZero();
    }

    private interface WithHolder {
        void accept(Connection holder) throws SQLException;
    }

    private record Run(String prefix, List<Future<AuditRow>> appends) {}

    /**
     * Holds the chain's lock, starts one caller and waits until it waits for the lock in the database, then the
     * others (and one more whose path ends with {@code refusedSuffix}, when given) until they all queue behind it;
     * then runs {@code beforeRelease} on the holding connection and lets go.
     */
    private Run whileTheChainIsLocked(String refusedSuffix, WithHolder beforeRelease) throws Exception {
        String prefix = "Patient/group-" + UUID.randomUUID() + "-";
        List<Future<AuditRow>> appends = new ArrayList<>();
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, AuditStore.APPEND_LOCK_KEY);
                lock.execute();
            }
            appends.add(callers.submit(() -> store.append(entry(prefix + 0))));
            await(() -> waitingForTheLock() >= 1);
            for (int i = 1; i < CALLERS; i++) {
                String path = prefix + i;
                appends.add(callers.submit(() -> store.append(entry(path))));
            }
            if (refusedSuffix != null) {
                appends.add(callers.submit(() -> store.append(entry(prefix + "refused" + refusedSuffix))));
            }
            int queued = appends.size() - 1;
            await(() -> store.waiting() >= queued);
            beforeRelease.accept(holder);
            holder.commit();
        }
        return new Run(prefix, appends);
    }

    private int waitingForTheLock() {
        Integer waiting = jdbc.queryForObject("SELECT count(*) " + CHAIN_LOCK_WAITERS, Integer.class);
        return waiting == null ? 0 : waiting;
    }

    private static void await(BooleanSupplier condition) throws InterruptedException {
        Instant deadline = Instant.now().plus(Duration.ofSeconds(20));
        while (!condition.getAsBoolean()) {
            assertThat(Instant.now()).as("waited 20 s").isBefore(deadline);
            Thread.sleep(20);
        }
    }

    private static AuditEntry entry(String path) {
        return new AuditEntry(
                Instant.now().truncatedTo(ChronoUnit.MILLIS),
                "read",
                200,
                "GET " + path + ": HTTP 200",
                AuditAgent.ANONYMOUS,
                "127.0.0.1",
                List.of(),
                List.of(),
                List.of(),
                "GET",
                path,
                null,
                null);
    }
}
