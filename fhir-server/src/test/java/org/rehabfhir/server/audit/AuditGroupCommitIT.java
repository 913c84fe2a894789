package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.sql.Connection;
import java.sql.PreparedStatement;
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
import javax.sql.DataSource;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * Events appended in a transaction of their own (reads, refusals) are group-committed: concurrent callers' events
 * share one transaction and one place in the chain's lock, the chain stays linked, and an event the database refuses
 * fails for its own caller only. The chain's advisory lock is held from a connection of the test while the appends
 * queue up, so that they meet in one batch.
 */
class AuditGroupCommitIT extends AbstractFhirServerIT {

    private static final int CALLERS = 20;

    @Autowired
    AuditStore store;

    @Autowired
    DataSource dataSource;

    private final ExecutorService callers = Executors.newFixedThreadPool(CALLERS + 1);

    @AfterEach
    void stopCallers() {
        callers.shutdownNow();
    }

    @Test
    void concurrentAppendsCommitTogetherAndStayChained() throws Exception {
        List<Future<AuditRow>> appends = whileTheChainIsLocked(CALLERS, null);

        List<AuditRow> rows = new ArrayList<>();
        for (Future<AuditRow> append : appends) {
            rows.add(append.get(30, TimeUnit.SECONDS));
        }
        List<Long> seqs = rows.stream().map(AuditRow::seq).sorted().toList();
        assertThat(seqs).doesNotHaveDuplicates().hasSize(CALLERS);
        Map<String, Object> stored = new JdbcTemplate(dataSource)
                .queryForMap(
                        "SELECT count(*) AS n, count(DISTINCT xmin::text) AS transactions FROM rehab_audit_event"
                                + " WHERE seq BETWEEN ? AND ?",
                        seqs.get(0),
                        seqs.get(CALLERS - 1));
        assertThat(((Number) stored.get("n")).intValue()).isEqualTo(CALLERS);
        // the first caller's event alone (it took the batch before the others queued), the others' together
        assertThat(((Number) stored.get("transactions")).intValue()).isLessThanOrEqualTo(2);
        for (int i = 1; i < CALLERS; i++) {
            AuditRow row = store.find(seqs.get(i)).orElseThrow();
            AuditRow previous = store.find(seqs.get(i - 1)).orElseThrow();
            assertThat(row.prevHash()).isEqualTo(previous.hash());
            assertThat(AuditHash.hash(row)).isEqualTo(row.hash());
        }
        assertThat(store.verify().intact()).isTrue();
    }

    @Test
    void anEventTheDatabaseRefusesFailsForItsCallerOnly() throws Exception {
        // PostgreSQL refuses a NUL character in text (SQLState 22021)
        List<Future<AuditRow>> appends = whileTheChainIsLocked(CALLERS, "Patient/refused\u0000");

        Future<AuditRow> refused = appends.get(appends.size() - 1);
        assertThatThrownBy(() -> refused.get(30, TimeUnit.SECONDS))
                .isInstanceOf(ExecutionException.class)
                .hasRootCauseInstanceOf(java.sql.SQLException.class)
                .hasMessageContaining("0x00")
                .hasMessageNotContaining("Patient/group-"); // nor the other events of its batch
        for (Future<AuditRow> append : appends.subList(0, appends.size() - 1)) {
            assertThat(append.get(30, TimeUnit.SECONDS).seq()).isPositive();
        }
        assertThat(store.verify().intact()).isTrue();
    }

    /**
     * Holds the chain's lock, starts one caller and waits until it waits for the lock in the database, then the
     * others (and one appending an event with {@code refusedPath}, when given) until they all queue behind it; then
     * lets go.
     */
    private List<Future<AuditRow>> whileTheChainIsLocked(int count, String refusedPath) throws Exception {
        List<Future<AuditRow>> appends = new ArrayList<>();
        try (Connection holder = dataSource.getConnection()) {
            holder.setAutoCommit(false);
            try (PreparedStatement lock = holder.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
                lock.setLong(1, AuditStore.APPEND_LOCK_KEY);
                lock.execute();
            }
            String run = UUID.randomUUID().toString();
            appends.add(callers.submit(() -> store.append(entry("Patient/group-" + run + "-0"))));
            await(() -> waitingForTheLock() >= 1);
            for (int i = 1; i < count; i++) {
                String path = "Patient/group-" + run + "-" + i;
                appends.add(callers.submit(() -> store.append(entry(path))));
            }
            if (refusedPath != null) {
                appends.add(callers.submit(() -> store.append(entry(refusedPath))));
            }
            int queued = appends.size() - 1;
            await(() -> store.waiting() >= queued);
            holder.commit();
        }
        return appends;
    }

    private int waitingForTheLock() {
        Integer waiting = new JdbcTemplate(dataSource)
                .queryForObject(
                        "SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted AND objid = ?",
                        Integer.class,
                        AuditStore.APPEND_LOCK_KEY & 0xFFFFFFFFL);
        return waiting == null ? 0 : waiting;
    }

    private static void await(java.util.function.BooleanSupplier condition) throws InterruptedException {
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
