package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.sql.SQLException;
import org.junit.jupiter.api.Test;

/**
 * Which answer a write whose audit failed in its commit gets: the audit's own 500 when the audit store refused the
 * row, the 503 of an unavailable database ({@code DatabaseUnavailableInterceptor}) when PostgreSQL went away during
 * the write (found by {@code FaultInjectionQuickIT}: a 500 during a PostgreSQL restart).
 */
class AuditNotWrittenAnswerTest {

    private final AuditCaptureInterceptor interceptor = new AuditCaptureInterceptor(null, null, null);

    private static RuntimeException commitFailure(String sqlState) {
        AuditNotWrittenException notWritten = new AuditNotWrittenException(new IllegalStateException(
                "Could not append the audit record", new SQLException("audit insert failed", sqlState)));
        return new RuntimeException("transaction commit failed", notWritten);
    }

    @Test
    void anAuditTheStoreRefusedIsAnsweredWithTheAuditsOwnFailure() {
        assertThat(interceptor.auditNotWritten(commitFailure("P0001"))).isInstanceOf(AuditNotWrittenException.class);
    }

    @Test
    void anAuditLostWithTheDatabaseIsLeftToTheDatabaseUnavailableAnswer() {
        assertThat(interceptor.auditNotWritten(commitFailure("57P01"))).isNull();
        assertThat(interceptor.auditNotWritten(commitFailure("08006"))).isNull();
    }
}
