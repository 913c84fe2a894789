package org.rehabfhir.server.engine;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.rehabfhir.protocols.RegimenException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The engine's own refusals ({@link RegimenException}: a regimen or input it cannot work with) are the request's
 * fault: 422 with an OperationOutcome carrying the engine's message, instead of HAPI's 500 for an unknown exception.
 * The one place where engine exceptions meet HTTP.
 */
@Component
@Interceptor
public class EngineExceptionInterceptor {

    private static final Logger log = LoggerFactory.getLogger(EngineExceptionInterceptor.class);

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException toClientError(RequestDetails request, Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RegimenException engine) {
                log.info(
                        "Engine refused {} {}: {}",
                        request == null ? "" : request.getRequestType(),
                        request == null ? "" : request.getRequestPath(),
                        engine.getMessage());
                return new UnprocessableEntityException(engine.getMessage());
            }
        }
        return null;
    }
}
