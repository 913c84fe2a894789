package org.rehabfhir.server.reliability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.parser.DataFormatException;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.regex.Pattern;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.web.firewall.RequestRejectedException;
import org.springframework.stereotype.Component;

/**
 * Bad input that HAPI or a library fails on with an unchecked exception (so HAPI would answer 500 with the exception's
 * message) is answered 400 with a plain OperationOutcome: the JSON parser failing on a malformed element (an
 * extension that is {@code null}), the JSON Patch library on a malformed patch, a number parameter that is not a
 * number ({@code _count=1 }), a parameter name the HTTP firewall refuses, a JSON property with an empty name, a
 * transaction entry whose resource has no type, an empty JSON Patch.
 * Found by the fuzz test ({@code FuzzIT}).
 * Nothing was stored: these fail before any write. Real server errors (anything else) stay 500.
 */
@Component
@Interceptor
public class UnreadableRequestInterceptor {

    private static final Logger log = LoggerFactory.getLogger(UnreadableRequestInterceptor.class);
    private static final Pattern CLASS_NAME =
            Pattern.compile("\\b([a-z][a-z0-9_]*\\.)+[A-Z]\\w*(Exception|Error)\\b:?\\s*");

    @Hook(Pointcut.SERVER_PRE_PROCESS_OUTGOING_EXCEPTION)
    public BaseServerResponseException unreadable(RequestDetails request, Throwable exception) {
        if (exception instanceof BaseServerResponseException answered && answered.getStatusCode() < 500) {
            return withoutClassNames(answered);
        }
        String reason = reason(exception);
        if (reason == null) {
            return null;
        }
        log.info("Request {} {} refused as unreadable: {}", request.getRequestType(), request.getRequestPath(), reason);
        return new InvalidRequestException("The request could not be read: " + reason);
    }

    /**
     * A refusal whose message names a Java class (HAPI's parser quotes the exception it caught: {@code Invalid attribute
     * value "x": java.lang.NumberFormatException: For input string: "x"}, found by the fuzz test), answered with the
     * same status and the message without the class name; null (answered as it is) otherwise. A refusal carrying its
     * own OperationOutcome (validation results) is left alone.
     */
    static BaseServerResponseException withoutClassNames(BaseServerResponseException refusal) {
        String message = refusal.getMessage();
        if (message == null
                || refusal.getOperationOutcome() != null
                || !CLASS_NAME.matcher(message).find()) {
            return null;
        }
        return BaseServerResponseException.newInstance(refusal.getStatusCode(), withoutClassNames(message));
    }

    /** The text without fully qualified exception class names ({@code java.lang.NumberFormatException: }). */
    public static String withoutClassNames(String message) {
        return CLASS_NAME.matcher(message).replaceAll("");
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
                if (where.startsWith("com.github.fge.")) {
                    return "the JSON Patch is malformed";
                }
            }
            if (t instanceof RuntimeException && whileReadingTheBody(t)) {
                return "the body is not valid FHIR (malformed element)";
            }
        }
        return null;
    }

    /**
     * Whether HAPI was turning the request body into a resource when the exception was thrown (its parser failing on
     * a transaction entry whose resource has no type: {@code theResource must not be null}, found by the fuzz test).
     */
    private static boolean whileReadingTheBody(Throwable t) {
        for (StackTraceElement frame : t.getStackTrace()) {
            if (frame.getClassName().equals("ca.uhn.fhir.rest.server.method.ResourceParameter")
                    && frame.getMethodName().equals("loadResourceFromRequest")) {
                return true;
            }
        }
        return false;
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
