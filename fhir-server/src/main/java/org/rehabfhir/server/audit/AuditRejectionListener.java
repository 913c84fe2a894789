package org.rehabfhir.server.audit;

import jakarta.servlet.http.HttpServletRequest;
import org.rehabfhir.auth.config.RehabSecurityProperties;
import org.rehabfhir.auth.web.SecurityRejectionListener;
import org.springframework.stereotype.Component;

/**
 * Audits what the security layer refuses before HAPI: 401, 413, 415, firewall 400 and HTTP-level 403 (one AuditEvent
 * each; repeated anonymous failures of one source are aggregated by {@link AnonymousFailureThrottle}).
 */
@Component
public class AuditRejectionListener implements SecurityRejectionListener {

    private final AuditTrail trail;
    private final AuditEntryFactory factory;
    private final AnonymousFailureThrottle anonymous;

    private final String fhirBasePath;

    public AuditRejectionListener(
            AuditTrail trail,
            AuditEntryFactory factory,
            AnonymousFailureThrottle anonymous,
            RehabSecurityProperties security) {
        this.fhirBasePath = security.getFhirBasePath();
        this.trail = trail;
        this.factory = factory;
        this.anonymous = anonymous;
    }

    @Override
    public void rejected(HttpServletRequest request, int status, String reason) {
        AuditedRequests.mark(request);
        if (!trail.enabled()) {
            return;
        }
        AuditEntry entry = factory.fromRejected(request, status, reason, fhirBasePath);
        if (entry.agent().isAnonymous()) {
            anonymous.record(entry);
        } else {
            trail.writeQuietly(entry);
        }
    }
}
