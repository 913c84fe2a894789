package org.rehabfhir.server.audit;

import jakarta.servlet.FilterChain;
import jakarta.servlet.ServletException;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import org.springframework.web.filter.OncePerRequestFilter;

/**
 * One AuditEvent per actuator call (metrics, prometheus, info...) with the caller from the token; health probes
 * that succeed are not audited (they run every few seconds and show nothing). Runs inside the security filter
 * chain's authenticated context; refusals are audited by the security layer already.
 */
public class ActuatorAuditFilter extends OncePerRequestFilter {

    private final AuditTrail trail;
    private final AuditEntryFactory factory;

    public ActuatorAuditFilter(AuditTrail trail, AuditEntryFactory factory) {
        this.trail = trail;
        this.factory = factory;
    }

    @Override
    protected boolean shouldNotFilter(HttpServletRequest request) {
        String path = request.getRequestURI().substring(request.getContextPath().length());
        return !path.startsWith("/actuator");
    }

    @Override
    protected void doFilterInternal(HttpServletRequest request, HttpServletResponse response, FilterChain chain)
            throws ServletException, IOException {
        try {
            chain.doFilter(request, response);
        } finally {
            String path =
                    request.getRequestURI().substring(request.getContextPath().length());
            boolean healthProbe = path.startsWith("/actuator/health") && response.getStatus() < 400;
            if (!healthProbe && !AuditedRequests.isAudited(request) && trail.enabled()) {
                AuditedRequests.mark(request);
                trail.writeQuietly(factory.fromRejected(
                        request, response.getStatus(), response.getStatus() < 400 ? null : "actuator", "/fhir"));
            }
        }
    }
}
