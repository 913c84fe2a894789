package org.rehabfhir.server.audit;

import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/** Writes audit entries synchronously (never a lossy asynchronous sink), honouring {@code rehab.audit.*}. */
@Component
public class AuditTrail {

    private static final Logger log = LoggerFactory.getLogger(AuditTrail.class);

    private final AuditStore store;
    private final AuditProperties properties;

    public AuditTrail(AuditStore store, AuditProperties properties) {
        this.store = store;
        this.properties = properties;
    }

    public boolean enabled() {
        return properties.isEnabled();
    }

    /**
     * Appends the entry. When that fails: with {@code fail-closed} (default) an {@link InternalErrorException} is
     * thrown (the caller gets a 500 instead of the data), else the failure is logged.
     */
    public void write(AuditEntry entry) {
        try {
            store.append(entry);
        } catch (RuntimeException e) {
            log.error(
                    "AUDIT RECORD LOST: {} {} -> {} by {} ({})",
                    entry.requestMethod(),
                    entry.requestPath(),
                    entry.httpStatus(),
                    entry.agent().displayName(),
                    e.getMessage(),
                    e);
            if (properties.isFailClosed()) {
                throw new InternalErrorException("The audit trail is unavailable; the request was not completed", e);
            }
        }
    }

    /**
     * Appends the entry inside the database transaction of a write ({@link WriteAuditInTransaction}), so that it
     * commits or rolls back with the data. When that fails: with {@code fail-closed} (default) an
     * {@link AuditNotWrittenException} is thrown, which rolls the write back (the caller gets a 500 and nothing is
     * stored); else the failure is logged, the append is undone to a savepoint and the write commits.
     *
     * @return whether the entry was appended
     */
    public boolean writeInTransaction(AuditEntry entry) {
        try {
            store.appendInCurrentTransaction(entry, !properties.isFailClosed());
            return true;
        } catch (RuntimeException e) {
            log.error(
                    "AUDIT RECORD NOT WRITTEN with the write: {} {} by {} ({})",
                    entry.requestMethod(),
                    entry.requestPath(),
                    entry.agent().displayName(),
                    e.getMessage(),
                    e);
            if (properties.isFailClosed()) {
                throw new AuditNotWrittenException(e);
            }
            return false;
        }
    }

    /** Like {@link #write} but never throws (for paths where the response is already decided). */
    public void writeQuietly(AuditEntry entry) {
        try {
            store.append(entry);
        } catch (RuntimeException e) {
            lost(entry, e.getMessage(), e);
        }
    }

    /** The audit of a refused request that cannot be stored now ({@code why}): logged, not tried. */
    public void logNotWritten(AuditEntry entry, String why) {
        lost(entry, why + "; not tried", null);
    }

    private static void lost(AuditEntry entry, String why, RuntimeException cause) {
        log.error(
                "AUDIT RECORD LOST: {} {} -> {} by {} ({})",
                entry.requestMethod(),
                entry.requestPath(),
                entry.httpStatus(),
                entry.agent().displayName(),
                why,
                cause);
    }
}
