package org.rehabfhir.server.reliability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.sql.SQLException;
import java.sql.SQLTransientConnectionException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.CannotCreateTransactionException;

/**
 * A request that failed because PostgreSQL could not be reached (restart, failover, network) is answered 503 with an
 * OperationOutcome that says to retry, instead of HAPI's 500: no connection within the pool's
 * {@code spring.datasource.hikari.connection-timeout} (5 s), a refused or broken connection (SQLSTATE class 08), or
 * the server shutting down or starting ({@code 57P01}-{@code 57P03}), a pooled connection the pool closed because
 * the database broke it. Readiness reports DOWN meanwhile (the
 * {@code db} health check), and the pool reconnects by itself when the database is back.
 */
@Component
@Interceptor
public class DatabaseUnavailableInterceptor {

    private static final Logger log = LoggerFactory.getLogger(DatabaseUnavailableInterceptor.class);

    /**
     * HikariCP's error (no SQLState) for a pooled connection it has already closed because the database broke it: a
     * transaction that was running when PostgreSQL went down fails on its rollback with it ("Unable to rollback
     * against JDBC Connection"), found by the fault suite.
     */
    static final String HIKARI_CLOSED = "Connection is closed";

    /**
     * HikariCP's message when no connection came within the connection timeout. HAPI's search threads pass on only
     * the message of a failure (an {@code InternalErrorException}), so a search that waited for a connection in vain
     * is recognised by it (found by the fault suite: such searches were answered 500).
     */
    static final String HIKARI_NO_CONNECTION = "Connection is not available, request timed out after";

    /** Request user data: this request was answered 503 because the database could not be reached. */
    private static final String ANSWERED_UNAVAILABLE = DatabaseUnavailableInterceptor.class.getName() + ".answered";

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException unavailable(RequestDetails request, Throwable exception) {
        if (!isDatabaseUnavailable(exception)) {
            return null;
        }
        if (request != null) {
            request.getUserData().put(ANSWERED_UNAVAILABLE, Boolean.TRUE);
        }
        log.warn(
                "Request {} {} failed: the database is unavailable ({})",
                request.getRequestType(),
                request.getRequestPath(),
                exception.getMessage());
        UnclassifiedServerFailureException unavailable = new UnclassifiedServerFailureException(
                503,
                "The database is unavailable; the request was not completed. Retry it shortly (creates with"
                        + " If-None-Exist, so that a retry cannot duplicate them).");
        unavailable.addResponseHeader("Retry-After", "5");
        return unavailable;
    }

    /**
     * Whether {@code request} failed because the database could not be reached (it is answered 503): whatever else
     * it would store now would wait for a connection again, past the answer's bound.
     */
    public static boolean answeredUnavailable(RequestDetails request) {
        return request != null && Boolean.TRUE.equals(request.getUserData().get(ANSWERED_UNAVAILABLE));
    }

    /** Whether {@code exception} or one of its causes says PostgreSQL could not be reached. */
    public static boolean isDatabaseUnavailable(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLTransientConnectionException || t instanceof CannotCreateTransactionException) {
                return true;
            }
            if (t instanceof SQLException sql
                    && sql.getSQLState() != null
                    && (sql.getSQLState().startsWith("08") || sql.getSQLState().matches("57P0[123]"))) {
                return true;
            }
            if (t instanceof SQLException sql && sql.getSQLState() == null && HIKARI_CLOSED.equals(sql.getMessage())) {
                return true;
            }
            if (t.getMessage() != null && t.getMessage().contains(HIKARI_NO_CONNECTION)) {
                return true;
            }
        }
        return false;
    }
}
