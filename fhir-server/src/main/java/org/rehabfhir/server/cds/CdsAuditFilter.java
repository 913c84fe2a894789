package org.rehabfhir.server.cds;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.util.List;
import org.rehabfhir.server.audit.AuditEntry;
import org.rehabfhir.server.audit.AuditEntryFactory;
import org.rehabfhir.server.audit.AuditTrail;
import org.rehabfhir.server.audit.AuditedRequests;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One AuditEvent per CDS Hooks call (discovery and service), with the caller from the token and the patient the
 * service was asked about ({@link RegimenCardService} names it in a request attribute). Refusals before the service
 * (401, 403) are audited by the security layer.
 */
public class CdsAuditFilter extends OncePerRequestFilter {

    /** Request attribute: the {@code Patient/<id>} a CDS call was about. */
    static final String PATIENT_ATTRIBUTE = CdsAuditFilter.class.getName() + ".patient";

    private final AuditTrail trail;
    private final AuditEntryFactory factory;

    public CdsAuditFilter(AuditTrail trail, AuditEntryFactory factory) {
        this.trail = trail;
        this.factory = factory;
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } finally {
            if (!AuditedRequests.isAudited(request) && trail.enabled()) {
                AuditedRequests.mark(request);
                AuditEntry base = factory.fromRejected(
                        request, response.getStatus(), response.getStatus() < 400 ? null : "cds-hooks", "/fhir");
                Object patient = request.getAttribute(PATIENT_ATTRIBUTE);
                List<String> patients = patient == null ? List.of() : List.of(patient.toString());
                String path = base.requestPath();
                trail.writeQuietly(new AuditEntry(
                        base.recorded(),
                        "operation",
                        base.httpStatus(),
                        base.outcomeDescription(),
                        base.agent(),
                        base.sourceIp(),
                        base.purposeOfUse(),
                        patients,
                        patients,
                        base.requestMethod(),
                        path,
                        base.query(),
                        "cds-hooks"));
            }
        }
    }
}
