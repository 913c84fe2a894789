package org.rehabfhir.server.reliability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.Map;
import java.util.regex.Pattern;
import org.springframework.stereotype.Component;

/**
 * A search's {@code _id} values must be resource ids (FHIR's id type: 1-64 letters, digits, {@code -} and {@code .}),
 * else 400 before anything else looks at them: HAPI's authorization rules read each value as an id and fail with a
 * NullPointerException (a 500) on one such as {@code urn:uuid:} (found by the fuzz test). A value that is no id can
 * match no resource, so nothing a client could find is refused.
 */
@Component
@Interceptor
public class IdParameterInterceptor {

    private static final Pattern ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED)
    public boolean checkIdValues(RequestDetails request) {
        Map<String, String[]> parameters = request.getParameters();
        if (parameters == null) {
            return true;
        }
        parameters.forEach((name, values) -> {
            if (!name.equals("_id") && !(name.startsWith("_id:") && !name.equals("_id:missing"))) {
                return;
            }
            for (String value : values) {
                for (String id : value.split(",", -1)) {
                    if (!value.isEmpty() && !ID.matcher(id).matches()) {
                        throw new InvalidRequestException(
                                "_id must be resource ids (1-64 letters, digits, '-' or '.', separated by commas)");
                    }
                }
            }
        });
        return true;
    }
}
