package org.rehabfhir.auth.jwt;

import java.util.List;
import java.util.Set;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.SmartScope;

/**
 * Who calls, from the validated access token, with what they may do. One per request, made by
 * {@link SmartJwtAuthenticationConverter}; read it with {@link RehabSecurityContext#current()}.
 *
 * @param subject the token's {@code sub} (the Keycloak user id, or the service account's id for a machine client)
 * @param username {@code preferred_username}, may be null
 * @param clientId {@code azp}, the OAuth client that obtained the token
 * @param tokenId {@code jti}, may be null
 * @param fhirUser the {@code fhirUser} claim (e.g. {@code Practitioner/alice}), may be null
 * @param issuer {@code iss}
 * @param roles the realm roles ({@code realm_access.roles})
 * @param scopes every scope the token carries, as granted
 * @param smartScopes the valid SMART resource scopes among them
 * @param rights the effective rights: scopes intersected with the roles
 */
public record CallerContext(
        String subject,
        String username,
        String clientId,
        String tokenId,
        String fhirUser,
        String issuer,
        List<String> roles,
        List<String> scopes,
        Set<SmartScope> smartScopes,
        EffectiveRights rights) {

    /** The best human-readable name: the username, else the client id, else the subject. */
    public String displayName() {
        if (username != null && !username.startsWith("service-account-")) {
            return username;
        }
        return clientId != null ? clientId : subject;
    }

    /** True for a machine client (client credentials, role ehr-system) rather than a person. */
    public boolean isSystem() {
        return rights.hasRole(org.rehabfhir.auth.smart.RehabRole.EHR_SYSTEM);
    }
}
