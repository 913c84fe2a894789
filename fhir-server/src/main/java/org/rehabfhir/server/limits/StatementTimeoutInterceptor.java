package org.rehabfhir.server.limits;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.sql.SQLException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * A request whose database work ran past PostgreSQL's {@code statement_timeout} (set on every pooled connection from
 * {@code rehab.fhir.statement-timeout}) was cancelled in the database; the client gets 503 with a clear
 * OperationOutcome ("narrow the search, try later") instead of HAPI's 500. Nothing was stored: the transaction rolled
 * back.
 */
@Component
@Interceptor
public class StatementTimeoutInterceptor {

    private static final Logger log = LoggerFactory.getLogger(StatementTimeoutInterceptor.class);
    /** PostgreSQL: query_canceled (statement timeout, or a cancel request). */
    static final String QUERY_CANCELED = "57014";

    private final String timeout;

    public StatementTimeoutInterceptor(@Value("${rehab.fhir.statement-timeout:30s}") String timeout) {
        this.timeout = timeout;
    }

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException cancelled(RequestDetails request, Throwable exception) {
        if (!isStatementTimeout(exception)) {
            return null;
        }
        log.warn(
                "Request {} {} cancelled by the statement timeout ({})",
                request.getRequestType(),
                request.getRequestPath(),
                timeout);
        return new UnclassifiedServerFailureException(
                503,
                "The request took longer than the server's limit of "
                        + timeout + " for database work and was cancelled; nothing was changed. Narrow the search"
                        + " (fewer chains or _has, more specific parameters) or try again later.");
    }

    static boolean isStatementTimeout(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof SQLException sql && QUERY_CANCELED.equals(sql.getSQLState())) {
                return true;
            }
            String message = t.getMessage();
            if (message != null && message.contains("canceling statement due to statement timeout")) {
                return true; // HAPI's search threads pass on the message, not the exception
            }
        }
        return false;
    }
}
