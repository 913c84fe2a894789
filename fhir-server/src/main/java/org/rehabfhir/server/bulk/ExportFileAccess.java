package org.rehabfhir.server.bulk;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.binary.BinarySecurityContextInterceptor;
import java.util.Objects;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * HAPI's {@link BinarySecurityContextInterceptor}: a Binary carrying a {@code securityContext.identifier} (every
 * Bulk Data export file: the exporting caller's token {@code iss} and {@code sub}, set by the auth module's
 * {@code ExportScopeInterceptor}) is shown only to that caller; anybody else gets a 403.
 */
@Interceptor
public class ExportFileAccess extends BinarySecurityContextInterceptor {

    public ExportFileAccess(FhirContext fhirContext) {
        super(fhirContext);
    }

    @Override
    protected boolean securityContextIdentifierAllowed(String system, String value, RequestDetails request) {
        return RehabSecurityContext.current()
                .map(caller -> Objects.equals(caller.issuer(), system) && Objects.equals(caller.subject(), value))
                .orElse(false);
    }
}
