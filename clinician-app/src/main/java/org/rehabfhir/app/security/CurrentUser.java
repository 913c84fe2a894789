package org.rehabfhir.app.security;

import java.util.Set;
import java.util.stream.Collectors;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;

/**
 * The signed-in user as the pages need it: name, role and the FHIR resource the user is ({@code fhirUser}).
 *
 * @param username Keycloak's {@code preferred_username}
 * @param displayName the user's full name, or the username
 * @param fhirUser e.g. {@code Practitioner/alice}, or {@code null}
 * @param roles the realm roles the app knows ({@link #PHYSIOTHERAPIST}, {@link #AUDITOR})
 */
public record CurrentUser(String username, String displayName, String fhirUser, Set<String> roles) {

    public static final String PHYSIOTHERAPIST = "physiotherapist";
    public static final String AUDITOR = "auditor";

    public static CurrentUser of(Authentication authentication) {
        if (authentication == null || !(authentication.getPrincipal() instanceof OidcUser user)) {
            return null;
        }
        Set<String> roles = authentication.getAuthorities().stream()
                .map(GrantedAuthority::getAuthority)
                .filter(a -> a.startsWith("ROLE_"))
                .map(a -> a.substring("ROLE_".length()).toLowerCase())
                .collect(Collectors.toUnmodifiableSet());
        String username = user.getPreferredUsername() != null ? user.getPreferredUsername() : user.getSubject();
        String name = user.getFullName() != null && !user.getFullName().isBlank() ? user.getFullName() : username;
        return new CurrentUser(username, name, user.getClaimAsString("fhirUser"), roles);
    }

    public boolean physiotherapist() {
        return roles.contains(PHYSIOTHERAPIST);
    }

    public boolean auditor() {
        return roles.contains(AUDITOR);
    }

    public String roleLabel() {
        if (physiotherapist()) {
            return "Physiotherapist";
        }
        return auditor() ? "Auditor" : "No role";
    }
}
