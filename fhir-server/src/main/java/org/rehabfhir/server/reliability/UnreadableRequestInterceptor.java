package org.rehabfhir.server.reliability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.stereotype.Component;

/**
 * Bad input that HAPI or a library fails on with an unchecked exception (so HAPI would answer 500 with the exception's
 * message) is answered 400 with a plain OperationOutcome: the JSON parser failing on a malformed element (an
 * extension that is {@code null}), the JSON Patch library on a malformed patch, a number parameter that is not a
 * number ({@code _count=1 }), a parameter name the HTTP firewall refuses, a JSON property with an empty name.
 * Found by the fuzz test ({@code FuzzIT}).
 * Nothing was stored: these fail before any write. Real server errors (anything else) stay 500.
 */
@Component
@Interceptor
public class UnreadableRequestInterceptor {

    private static final Logger log = LoggerFactory.getLogger(UnreadableRequestInterceptor.class);

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException unreadable(RequestDetails request, Throwable exception) {
        if (exception instanceof BaseServerResponseException answered && answered.getStatusCode() < 500) {
            return null;
        }
        String reason = reason(exception);
        if (reason == null) {
            return null;
        }
        log.info("Request {} {} refused as unreadable: {}", request.getRequestType(), request.getRequestPath(), reason);
        return new InvalidRequestException("The request could not be read: " + reason);
    }

    /** What was wrong with the input, in words that name no class of the server, or null for a real server error. */
    static String reason(Throwable exception) {
        for (Throwable t = exception; t != null; t = t.getCause() == t ? null : t.getCause()) {
            if (t instanceof RequestRejectedException rejected) {
                return rejected.getMessage();
            }
            if (t instanceof NumberFormatException) {
                return "a parameter that must be a number is not one";
            }
            if (t instanceof DataFormatException) {
                return "the body or a parameter is not valid FHIR";
            }
            String where = t instanceof RuntimeException ? thrownFrom(t) : null;
            if (where != null) {
                if (where.startsWith("ca.uhn.fhir.parser.")) {
                    return "the body is not valid FHIR (malformed element)";
                }
                if (where.startsWith("com.github.fge.jsonpatch.") || where.startsWith("com.github.fge.jackson.")) {
                    return "the JSON Patch is malformed";
                }
            }
        }
        return null;
    }

    /**
     * The class the exception came from, outside the JDK (a {@code String.charAt} failing inside HAPI's JSON parser
     * on a property with an empty name is the parser's failure), or null.
     */
    private static String thrownFrom(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            String where = frame.getClassName();
            if (!where.startsWith("java.") && !where.startsWith("jdk.") && !where.startsWith("sun.")) {
                return where;
            }
        }
        return null;
    }
}
