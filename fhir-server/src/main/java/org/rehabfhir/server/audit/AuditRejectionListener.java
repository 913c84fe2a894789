package org.rehabfhir.server.audit;

import jakarta.servlet.http.HttpServletRequest;
import org.rehabfhir.auth.web.SecurityRejectionListener;
import org.rehabfhir.server.config.RestfulServerConfig;
import org.springframework.stereotype.Component;

/** Audits what the security layer refuses before HAPI: 401, 413 and HTTP-level 403 (one AuditEvent each). */
@Component
public class AuditRejectionListener implements SecurityRejectionListener {

	private final AuditTrail trail;
	private final AuditEntryFactory factory;

	public AuditRejectionListener(AuditTrail trail, AuditEntryFactory factory) {
		this.trail = trail;
		this.factory = factory;
	}

	@Override
	public void rejected(HttpServletRequest request, int status, String reason) {
		if (!trail.enabled()) {
			return;
		}
		trail.writeQuietly(factory.fromRejected(request, status, reason, RestfulServerConfig.FHIR_PATH));
	}
}
