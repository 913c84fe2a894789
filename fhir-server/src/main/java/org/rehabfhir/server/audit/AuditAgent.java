package org.rehabfhir.server.audit;

import java.util.List;
import java.util.Optional;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * Who made the request, as far as the access token tells (all fields may be null for an unauthenticated request).
 *
 * @param subject {@code sub}
 * @param username {@code preferred_username}
 * @param clientId {@code azp}
 * @param tokenId {@code jti}
 * @param fhirUser {@code fhirUser}, e.g. {@code Practitioner/alice}
 * @param issuer {@code iss}
 * @param system true for a machine client (client credentials)
 * @param roles the caller's realm roles ({@code realm_access.roles}) that the server knows, e.g. {@code physiotherapist}
 */
public record AuditAgent(
        String subject,
        String username,
        String clientId,
        String tokenId,
        String fhirUser,
        String issuer,
        boolean system,
        List<String> roles) {

    public static final AuditAgent ANONYMOUS = new AuditAgent(null, null, null, null, null, null, false, List.of());

    public AuditAgent {
        roles = roles == null ? List.of() : List.copyOf(roles);
    }

    /** Without roles. */
    public AuditAgent(
            String subject,
            String username,
            String clientId,
            String tokenId,
            String fhirUser,
            String issuer,
            boolean system) {
        this(subject, username, clientId, tokenId, fhirUser, issuer, system, List.of());
    }

    public static AuditAgent of(CallerContext caller) {
        return new AuditAgent(
                caller.subject(),
                caller.username(),
                caller.clientId(),
                caller.tokenId(),
                caller.fhirUser(),
                caller.issuer(),
                caller.isSystem(),
                caller.roles() == null
                        ? List.of()
                        : caller.roles().stream().filter(AuditAgent::knownRole).toList());
    }

    /** The caller of the current request (thread-bound security context), or {@link #ANONYMOUS}. */
    public static AuditAgent current() {
        Optional<CallerContext> caller = RehabSecurityContext.current();
        return caller.map(AuditAgent::of).orElse(ANONYMOUS);
    }

    /** The realm roles of the project ({@code physiotherapist}, {@code auditor}, {@code ehr-system}). */
    static boolean knownRole(String role) {
        for (org.rehabfhir.auth.smart.RehabRole known : org.rehabfhir.auth.smart.RehabRole.values()) {
            if (known.roleName().equals(role)) {
                return true;
            }
        }
        return false;
    }

    public boolean isAnonymous() {
        return subject == null && clientId == null;
    }

    /** Username for a person; the client id for a machine client; else the subject. */
    public String displayName() {
        if (username != null && !username.startsWith("service-account-")) {
            return username;
        }
        if (clientId != null) {
            return clientId;
        }
        return subject != null ? subject : "anonymous";
    }
}
