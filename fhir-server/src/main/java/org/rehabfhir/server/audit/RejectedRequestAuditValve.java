package org.rehabfhir.server.audit;

import jakarta.servlet.ServletException;
import java.io.IOException;
import org.apache.catalina.AccessLog;
import org.apache.catalina.connector.Request;
import org.apache.catalina.connector.Response;
import org.apache.catalina.valves.ValveBase;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * The last line of audit: Tomcat calls every access log for every request, also for those it refuses itself before
 * any filter runs (request line or headers too long, malformed requests: 400). Any answer of 400 or more that nothing
 * else audited (HAPI's capture interceptor, the security layer's rejection listener, the actuator filter) becomes an
 * AuditEvent here, anonymous (the token, if any, was never checked), aggregated per source like other anonymous
 * failures.
 */
public class RejectedRequestAuditValve extends ValveBase implements AccessLog {

    private static final Logger log = LoggerFactory.getLogger(RejectedRequestAuditValve.class);

    private final AuditTrail trail;
    private final AuditEntryFactory factory;
    private final AnonymousFailureThrottle anonymous;

    private final String fhirBasePath;

    public RejectedRequestAuditValve(
            AuditTrail trail, AuditEntryFactory factory, AnonymousFailureThrottle anonymous, String fhirBasePath) {
        super(true);
        this.fhirBasePath = fhirBasePath;
        this.trail = trail;
        this.factory = factory;
        this.anonymous = anonymous;
    }

    @Override
    public void invoke(Request request, Response response) throws IOException, ServletException {
        getNext().invoke(request, response);
    }

    @Override
    public void log(Request request, Response response, long time) {
        try {
            if (response == null
                    || response.getStatus() < 400
                    || !trail.enabled()
                    || (request != null && AuditedRequests.isAudited(request))) {
                return;
            }
            AuditEntry entry = factory.fromRejected(request, response.getStatus(), "rejected_by_server", fhirBasePath);
            anonymous.record(entry);
        } catch (RuntimeException e) {
            log.error(
                    "AUDIT RECORD LOST for a request refused with {}: {}",
                    response == null ? "?" : response.getStatus(),
                    e.getMessage(),
                    e);
        }
    }

    @Override
    public void setRequestAttributesEnabled(boolean requestAttributesEnabled) {
        // not used
    }

    @Override
    public boolean getRequestAttributesEnabled() {
        return false;
    }
}
