package org.rehabfhir.auth.jwt;

import jakarta.servlet.http.HttpServletRequest;
import java.nio.charset.StandardCharsets;
import java.util.Set;
import org.springframework.security.web.util.matcher.RequestMatcher;
import org.springframework.web.util.UriUtils;

/**
 * The requests whose token is checked with Keycloak's introspection ({@link IntrospectingJwtAuthenticationProvider})
 * instead of trusting the JWT until it expires:
 * <ul>
 *   <li>every request that may change data: any method but GET, HEAD and OPTIONS (create, update, patch, delete,
 *       transactions, every operation invoked with POST, which includes the care-pathway steps);</li>
 *   <li>the audit reads, whatever the method: {@code AuditEvent} and {@code Provenance}, {@code $access-log},
 *       {@code $verify-chain}.</li>
 * </ul>
 * Other reads keep the token's lifetime as their revocation window (at most 300 s, docs/security.md).
 */
public final class IntrospectedRequests implements RequestMatcher {

    private static final Set<String> SAFE_METHODS = Set.of("GET", "HEAD", "OPTIONS");
    private static final Set<String> AUDIT_TYPES = Set.of("AuditEvent", "Provenance");
    private static final Set<String> AUDIT_OPERATIONS = Set.of("$access-log", "$verify-chain");

    private final String fhirBasePath;

    /** @param fhirBasePath where HAPI is mapped, e.g. {@code /fhir} */
    public IntrospectedRequests(String fhirBasePath) {
        this.fhirBasePath = fhirBasePath;
    }

    @Override
    public boolean matches(HttpServletRequest request) {
        if (!SAFE_METHODS.contains(request.getMethod())) {
            return true;
        }
        String path = request.getRequestURI().substring(request.getContextPath().length());
        if (!path.startsWith(fhirBasePath + "/")) {
            return false;
        }
        String[] segments = path.substring(fhirBasePath.length() + 1).split("/");
        if (AUDIT_TYPES.contains(decode(segments[0]))) {
            return true;
        }
        for (String segment : segments) {
            if (AUDIT_OPERATIONS.contains(decode(segment))) {
                return true;
            }
        }
        return false;
    }

    private static String decode(String segment) {
        try {
            return UriUtils.decode(segment, StandardCharsets.UTF_8);
        } catch (IllegalArgumentException malformed) {
            return segment;
        }
    }
}
