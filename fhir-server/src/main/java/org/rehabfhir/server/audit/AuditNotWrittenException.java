package org.rehabfhir.server.audit;

import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;

/**
 * The AuditEvent of a write could not be appended in the write's transaction (fail-closed): the write is rolled back
 * and the caller gets this 500. Thrown inside Hibernate's commit ({@link WriteAuditInTransaction}), so it reaches HAPI
 * wrapped in the commit's exceptions; {@link AuditCaptureInterceptor} answers it as it is.
 */
public class AuditNotWrittenException extends InternalErrorException {

    public AuditNotWrittenException(Throwable cause) {
        super("The audit trail is unavailable; the write was not stored (nothing was changed)", cause);
    }

    /** This exception in the causes of {@code exception}, or null. */
    static AuditNotWrittenException in(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof AuditNotWrittenException notWritten) {
                return notWritten;
            }
        }
        return null;
    }
}
