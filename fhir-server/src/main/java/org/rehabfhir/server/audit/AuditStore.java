package org.rehabfhir.server.audit;

import ca.uhn.fhir.context.FhirContext;
import java.sql.Array;
import java.sql.BatchUpdateException;
import java.sql.Connection;
import java.sql.PreparedStatement;
import java.sql.ResultSet;
import java.sql.SQLException;
import java.sql.Savepoint;
import java.sql.Timestamp;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.Optional;
import java.util.concurrent.locks.Condition;
import java.util.concurrent.locks.ReentrantLock;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.springframework.jdbc.core.JdbcTemplate;
import org.springframework.jdbc.datasource.DataSourceUtils;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The append-only, hash-chained table {@code rehab_audit_event} (Flyway {@code V1__audit_event.sql}), with plain
 * JDBC on the server's data source. Appends are serialized by a transaction-scoped advisory lock so that each row's
 * {@code prev_hash} is the hash of the row with the next lower {@code seq}, also with several server instances. The
 * events appended in a transaction of their own (reads, refusals) are group-committed within the server, several
 * rows under one lock and one commit ({@link #append}).
 */
@Component
public class AuditStore {

    /** Key of the advisory lock that serializes appends ("audit" in ASCII). */
    static final long APPEND_LOCK_KEY = 0x6175646974L;

    static final String COLUMNS = "seq, recorded, interaction, action, outcome, http_status, agent_sub, agent_username,"
            + " client_id, token_id, fhir_user, source_ip, purpose_of_use, patient_refs, resource_refs, request_method,"
            + " request_path, operation, event_json, prev_hash, hash";

    /** Most events appended in one transaction by {@link #append}. */
    static final int MAX_BATCH = 100;

    private final DataSource dataSource;
    private final JdbcTemplate jdbc;
    private final FhirContext fhirContext;

    /** The group commit of {@link #append}: the events waiting for a batch, and whether one is being written. */
    private final ReentrantLock queueLock = new ReentrantLock();

    private final Condition batchWritten = queueLock.newCondition();
    private final List<Queued> queued = new ArrayList<>();
    private boolean writing;

    public AuditStore(DataSource dataSource, FhirContext fhirContext) {
        this.dataSource = dataSource;
        this.jdbc = new JdbcTemplate(dataSource);
        this.fhirContext = fhirContext;
    }

    /**
     * Appends one event in a short transaction of its own (reads, refusals, failures) and returns the stored row, once
     * it committed. Events of concurrent callers are appended together (group commit): the caller that finds no batch
     * being written writes every event queued so far, up to {@link #MAX_BATCH}, in one transaction (one lock of the
     * chain, one commit), while the others wait for theirs. A batch refused for the content of an event (SQLState
     * class 22 or 23) is written again event by event, so that only that event's caller gets the failure. Any other
     * failure (no connection, the database gone) is every caller's of the batch, and of the events queued while it
     * was tried: they fail at once instead of each waiting for the database in turn.
     */
    public AuditRow append(AuditEntry entry) {
        Queued mine = new Queued(encode(entry));
        queueLock.lock();
        try {
            queued.add(mine);
            while (!mine.done()) {
                if (writing) {
                    batchWritten.awaitUninterruptibly();
                    continue;
                }
                writing = true;
                List<Queued> batch = new ArrayList<>(queued.subList(0, Math.min(MAX_BATCH, queued.size())));
                queued.subList(0, batch.size()).clear();
                RuntimeException unavailable = null;
                queueLock.unlock();
                try {
                    unavailable = write(batch);
                } finally {
                    queueLock.lock();
                    if (unavailable != null) {
                        for (Queued q : queued) {
                            q.failed(unavailable);
                        }
                        queued.clear();
                    }
                    writing = false;
                    batchWritten.signalAll();
                }
            }
        } finally {
            queueLock.unlock();
        }
        return mine.row();
    }

    /** How many events wait for a batch to take them (for the tests). */
    int waiting() {
        queueLock.lock();
        try {
            return queued.size();
        } finally {
            queueLock.unlock();
        }
    }

    /**
     * Writes a batch; every event of it is done afterwards, stored or failed. Returns the failure when the database
     * did not take the batch for another reason than an event's content, else null.
     */
    private RuntimeException write(List<Queued> batch) {
        // this thread writes for other callers too: its own interrupt must not fail their events
        boolean interrupted = Thread.interrupted();
        try {
            List<AuditRow> rows =
                    inTransactionOfItsOwn(batch.stream().map(q -> q.event).toList());
            for (int i = 0; i < batch.size(); i++) {
                batch.get(i).stored(rows.get(i));
            }
            return null;
        } catch (RuntimeException e) {
            if (!refusedForContent(e)) {
                batch.forEach(q -> q.failed(e));
                return e;
            }
            if (batch.size() == 1) {
                batch.get(0).failed(e);
                return null;
            }
            for (Queued q : batch) {
                RuntimeException unavailable = write(List.of(q));
                if (unavailable != null) {
                    batch.forEach(other -> other.failed(unavailable));
                    return unavailable;
                }
            }
            return null;
        } finally {
            for (Queued q : batch) {
                if (!q.done()) { // an Error on the way: no caller may wait for an event nobody writes
                    q.failed(new IllegalStateException("The audit record was not written"));
                }
            }
            if (interrupted) {
                Thread.currentThread().interrupt();
            }
        }
    }

    /** Data exception (22) or integrity constraint violation (23): a statement refused for what it stores. */
    private static boolean refusedForContent(Throwable e) {
        for (Throwable t = e; t != null; t = t.getCause()) {
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("22") || sql.getSQLState().startsWith("23"))) {
                return true;
            }
        }
        return false;
    }

    private List<AuditRow> inTransactionOfItsOwn(List<Encoded> events) {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false);
            try {
                List<AuditRow> rows = appendOn(connection, events);
                connection.commit();
                return rows;
            } catch (SQLException | RuntimeException | Error e) {
                rollback(connection, e); // before setAutoCommit, which would commit what was sent
                throw e;
            } finally {
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not append the audit record: " + e.getMessage(), e);
        }
    }

    private static void rollback(Connection connection, Throwable cause) {
        try {
            connection.rollback();
        } catch (SQLException | RuntimeException e) {
            cause.addSuppressed(e);
        }
    }

    /** One caller's event in the queue of {@link #append}; done once stored or failed (the first outcome counts). */
    private static final class Queued {

        final Encoded event;
        private volatile AuditRow row;
        private volatile RuntimeException failure;

        Queued(Encoded event) {
            this.event = event;
        }

        boolean done() {
            return row != null || failure != null;
        }

        void stored(AuditRow stored) {
            if (!done()) {
                row = stored;
            }
        }

        void failed(RuntimeException e) {
            if (!done()) {
                failure = e;
            }
        }

        /** The stored row, or the failure, wrapped for this caller (a batch's failure is shared by its callers). */
        AuditRow row() {
            if (failure != null) {
                throw new IllegalStateException(failure.getMessage(), failure);
            }
            return row;
        }
    }

    /**
     * Appends one event on the connection of the Spring transaction running on this thread (a write's JPA
     * transaction), so that it commits or rolls back with the write. The chain's lock is then held until that
     * transaction ends. With {@code savepoint} a failed append is rolled back to a savepoint, so that the
     * surrounding transaction can still commit (the fail-open mode); without it the transaction is left to fail.
     */
    public AuditRow appendInCurrentTransaction(AuditEntry entry, boolean savepoint) {
        if (!TransactionSynchronizationManager.hasResource(dataSource)) {
            throw new IllegalStateException("No database transaction on the server's data source is open here");
        }
        Encoded event = encode(entry);
        Connection connection = DataSourceUtils.getConnection(dataSource);
        Savepoint before = null;
        try {
            before = savepoint ? connection.setSavepoint() : null;
            AuditRow row = appendOn(connection, List.of(event)).get(0);
            if (before != null) {
                connection.releaseSavepoint(before);
            }
            return row;
        } catch (SQLException | RuntimeException e) {
            if (before != null) {
                try {
                    connection.rollback(before);
                } catch (SQLException rollback) {
                    e.addSuppressed(rollback);
                }
            }
            throw e instanceof RuntimeException r
                    ? r
                    : new IllegalStateException("Could not append the audit record: " + e.getMessage(), e);
        } finally {
            DataSourceUtils.releaseConnection(connection, dataSource);
        }
    }

    /** An entry with its AuditEvent's JSON, encoded before the chain's lock is taken (with id {@link #UNNUMBERED}). */
    private record Encoded(AuditEntry entry, String json) {}

    private Encoded encode(AuditEntry entry) {
        return new Encoded(
                entry,
                fhirContext
                        .newJsonParser()
                        .setPrettyPrint(false)
                        .encodeResourceToString(BalpAuditEventBuilder.build(entry, UNNUMBERED)));
    }

    /**
     * Lock, head, inserts on a connection inside a transaction (the caller commits): the events get consecutive
     * places in the chain, in their order. The head is read after the lock was granted, which is only right under
     * READ COMMITTED (each statement sees what committed before it): another isolation level is refused rather than
     * forking the chain. The chain's lock is held for the head, the inserts and the commit only.
     */
    private List<AuditRow> appendOn(Connection connection, List<Encoded> events) throws SQLException {
        try (PreparedStatement lock = connection.prepareStatement("SELECT pg_advisory_xact_lock(?)")) {
            lock.setLong(1, APPEND_LOCK_KEY);
            lock.execute();
        }
        String prevHash;
        Long[] seqs;
        try (PreparedStatement head =
                connection.prepareStatement("SELECT (SELECT hash FROM rehab_audit_event ORDER BY seq DESC LIMIT 1),"
                        + " current_setting('transaction_isolation'),"
                        + " ARRAY(SELECT nextval('rehab_audit_event_seq') FROM generate_series(1, ?))")) {
            head.setInt(1, events.size());
            try (ResultSet rs = head.executeQuery()) {
                rs.next();
                if (!"read committed".equals(rs.getString(2))) {
                    throw new IllegalStateException(
                            "The audit chain is appended under READ COMMITTED only, not " + rs.getString(2));
                }
                prevHash = rs.getString(1) == null ? AuditHash.GENESIS : rs.getString(1);
                seqs = (Long[]) rs.getArray(3).getArray();
                Arrays.sort(seqs);
            }
        }
        List<AuditRow> rows = new ArrayList<>(events.size());
        for (int i = 0; i < events.size(); i++) {
            AuditRow row = rowOf(events.get(i), seqs[i], prevHash);
            rows.add(row);
            prevHash = row.hash();
        }
        insert(connection, rows);
        return rows;
    }

    private static AuditRow rowOf(Encoded event, long seq, String prevHash) {
        AuditEntry entry = event.entry();
        AuditRow row = new AuditRow(
                seq,
                entry.recorded(),
                entry.interaction(),
                entry.action(),
                entry.outcome(),
                entry.httpStatus(),
                entry.agent().subject(),
                entry.agent().username(),
                entry.agent().clientId(),
                entry.agent().tokenId(),
                entry.agent().fhirUser(),
                entry.sourceIp(),
                entry.purposeOfUse().isEmpty() ? null : String.join(",", entry.purposeOfUse()),
                entry.patientRefs(),
                entry.resourceRefs(),
                entry.requestMethod(),
                entry.requestPath(),
                entry.operation(),
                numbered(event.json(), seq),
                prevHash,
                null);
        return row.withHash(AuditHash.hash(row));
    }

    /** The id of an event encoded before its seq is known; {@link #numbered} puts the seq in its place. */
    static final long UNNUMBERED = 0;

    /** How HAPI's JSON encoder begins an AuditEvent: its type, then its id. */
    private static final String ID_PREFIX = "{\"resourceType\":\"AuditEvent\",\"id\":\"";

    private static final String UNNUMBERED_PREFIX = ID_PREFIX + UNNUMBERED + "\"";

    /** The JSON of an event encoded with id {@link #UNNUMBERED}, as if encoded with id {@code seq}. */
    static String numbered(String encoded, long seq) {
        if (!encoded.startsWith(UNNUMBERED_PREFIX)) {
            throw new IllegalStateException("An AuditEvent's JSON does not start with its id: "
                    + encoded.substring(0, Math.min(60, encoded.length())));
        }
        return ID_PREFIX + seq + "\"" + encoded.substring(UNNUMBERED_PREFIX.length());
    }

    private static void insert(Connection connection, List<AuditRow> rows) throws SQLException {
        try (PreparedStatement insert = connection.prepareStatement("INSERT INTO rehab_audit_event (" + COLUMNS
                + ") VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)")) {
            for (AuditRow row : rows) {
                int i = 1;
                insert.setLong(i++, row.seq());
                insert.setTimestamp(i++, Timestamp.from(row.recorded()));
                insert.setString(i++, row.interaction());
                insert.setString(i++, row.action());
                insert.setString(i++, row.outcome());
                insert.setInt(i++, row.httpStatus());
                insert.setString(i++, row.agentSub());
                insert.setString(i++, row.agentUsername());
                insert.setString(i++, row.clientId());
                insert.setString(i++, row.tokenId());
                insert.setString(i++, row.fhirUser());
                insert.setString(i++, row.sourceIp());
                insert.setString(i++, row.purposeOfUse());
                insert.setArray(
                        i++, connection.createArrayOf("text", row.patientRefs().toArray()));
                insert.setArray(
                        i++, connection.createArrayOf("text", row.resourceRefs().toArray()));
                insert.setString(i++, row.requestMethod());
                insert.setString(i++, row.requestPath());
                insert.setString(i++, row.operation());
                insert.setString(i++, row.eventJson());
                insert.setString(i++, row.prevHash());
                insert.setString(i, row.hash());
                insert.addBatch();
            }
            insert.executeBatch();
        } catch (BatchUpdateException e) {
            // the driver's message of a batch (rewritten into multi-row INSERTs, reWriteBatchedInserts) repeats
            // the statement with its values, other callers' events: the database's own error instead
            throw e.getNextException() != null ? e.getNextException() : e;
        }
    }

    public Optional<AuditRow> find(long seq) {
        List<AuditRow> rows =
                jdbc.query("SELECT " + COLUMNS + " FROM rehab_audit_event WHERE seq = ?", (rs, n) -> map(rs), seq);
        return rows.stream().findFirst();
    }

    /** Rows matching a prepared WHERE clause, in seq order (ascending or descending), one page. */
    public List<AuditRow> query(String where, List<Object> args, boolean descending, int offset, int limit) {
        List<Object> all = new ArrayList<>(args);
        all.add(limit);
        all.add(offset);
        return jdbc.query(
                "SELECT " + COLUMNS + " FROM rehab_audit_event" + (where.isEmpty() ? "" : " WHERE " + where)
                        + " ORDER BY seq " + (descending ? "DESC" : "ASC") + " LIMIT ? OFFSET ?",
                (rs, n) -> map(rs),
                all.toArray());
    }

    public int count(String where, List<Object> args) {
        Integer count = jdbc.queryForObject(
                "SELECT count(*) FROM rehab_audit_event" + (where.isEmpty() ? "" : " WHERE " + where),
                Integer.class,
                args.toArray());
        return count == null ? 0 : count;
    }

    /** Walks the whole chain in seq order (streamed, constant memory). */
    public ChainReport verify() {
        try (Connection connection = dataSource.getConnection()) {
            boolean autoCommit = connection.getAutoCommit();
            connection.setAutoCommit(false); // PostgreSQL streams with a fetch size only inside a transaction
            try (PreparedStatement select =
                    connection.prepareStatement("SELECT " + COLUMNS + " FROM rehab_audit_event ORDER BY seq ASC")) {
                select.setFetchSize(500);
                String expectedPrev = AuditHash.GENESIS;
                long checked = 0;
                Long lastSeq = null;
                try (ResultSet rs = select.executeQuery()) {
                    while (rs.next()) {
                        AuditRow row = map(rs);
                        checked++;
                        if (!expectedPrev.equals(row.prevHash())) {
                            return ChainReport.broken(
                                    checked,
                                    row.seq(),
                                    "prev_hash does not match the hash of the preceding record"
                                            + (lastSeq == null ? "" : " (seq " + lastSeq + ")"));
                        }
                        String recomputed = AuditHash.hash(row);
                        if (!recomputed.equals(row.hash())) {
                            return ChainReport.broken(
                                    checked, row.seq(), "the record's content does not match its hash");
                        }
                        expectedPrev = row.hash();
                        lastSeq = row.seq();
                    }
                }
                return ChainReport.intact(checked, lastSeq, checked == 0 ? null : expectedPrev);
            } finally {
                connection.commit();
                connection.setAutoCommit(autoCommit);
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not read the audit chain: " + e.getMessage(), e);
        }
    }

    static AuditRow map(ResultSet rs) throws SQLException {
        return new AuditRow(
                rs.getLong("seq"),
                rs.getTimestamp("recorded").toInstant(),
                rs.getString("interaction"),
                rs.getString("action"),
                rs.getString("outcome"),
                rs.getInt("http_status"),
                rs.getString("agent_sub"),
                rs.getString("agent_username"),
                rs.getString("client_id"),
                rs.getString("token_id"),
                rs.getString("fhir_user"),
                rs.getString("source_ip"),
                rs.getString("purpose_of_use"),
                strings(rs.getArray("patient_refs")),
                strings(rs.getArray("resource_refs")),
                rs.getString("request_method"),
                rs.getString("request_path"),
                rs.getString("operation"),
                rs.getString("event_json"),
                rs.getString("prev_hash"),
                rs.getString("hash"));
    }

    private static List<String> strings(Array array) throws SQLException {
        if (array == null) {
            return List.of();
        }
        Object[] values = (Object[]) array.getArray();
        return Arrays.stream(values).map(String::valueOf).toList();
    }

    public AuditEvent toResource(AuditRow row) {
        return fhirContext.newJsonParser().parseResource(AuditEvent.class, row.eventJson());
    }

    /**
     * Result of {@link #verify()}.
     *
     * @param intact whether every record matched
     * @param checked how many records were read (up to and including the first broken one)
     * @param firstBrokenSeq the seq (= AuditEvent id) of the first broken record, or null
     * @param reason why it is broken, or null
     * @param lastSeq the last record when intact
     * @param headHash the hash of the last record when intact (anchor it outside the database)
     */
    public record ChainReport(
            boolean intact, long checked, Long firstBrokenSeq, String reason, Long lastSeq, String headHash) {

        static ChainReport intact(long checked, Long lastSeq, String headHash) {
            return new ChainReport(true, checked, null, null, lastSeq, headHash);
        }

        static ChainReport broken(long checked, long seq, String reason) {
            return new ChainReport(false, checked, seq, reason, null, null);
        }
    }
}
