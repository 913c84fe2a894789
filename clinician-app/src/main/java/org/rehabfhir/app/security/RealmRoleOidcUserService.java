package org.rehabfhir.app.security;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.nio.charset.StandardCharsets;
import java.util.Base64;
import java.util.HashSet;
import java.util.Set;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserRequest;
import org.springframework.security.oauth2.client.oidc.userinfo.OidcUserService;
import org.springframework.security.oauth2.client.userinfo.OAuth2UserService;
import org.springframework.security.oauth2.core.OAuth2AuthenticationException;
import org.springframework.security.oauth2.core.oidc.user.DefaultOidcUser;
import org.springframework.security.oauth2.core.oidc.user.OidcUser;

/**
 * Loads the OIDC user as usual and adds the Keycloak realm roles as {@code ROLE_PHYSIOTHERAPIST} /
 * {@code ROLE_AUDITOR}. The realm puts the roles into the access token only ({@code realm_access.roles}); the app
 * received that token itself from the token endpoint (back channel), so it reads the claim without re-checking the
 * signature. The roles only decide which screens the app offers: the FHIR server checks every request itself.
 */
public class RealmRoleOidcUserService implements OAuth2UserService<OidcUserRequest, OidcUser> {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> KNOWN = Set.of(CurrentUser.PHYSIOTHERAPIST, CurrentUser.AUDITOR);

    private final OidcUserService delegate = new OidcUserService();

    @Override
    public OidcUser loadUser(OidcUserRequest request) throws OAuth2AuthenticationException {
        OidcUser user = delegate.loadUser(request);
        Set<GrantedAuthority> authorities = new HashSet<>(user.getAuthorities());
        for (String role : realmRoles(request.getAccessToken().getTokenValue())) {
            if (KNOWN.contains(role)) {
                authorities.add(new SimpleGrantedAuthority("ROLE_" + role.toUpperCase()));
            }
        }
        return new DefaultOidcUser(authorities, user.getIdToken(), user.getUserInfo(), "preferred_username");
    }

    /** The {@code realm_access.roles} of a JWT access token (empty when absent or not a JWT). */
    static Set<String> realmRoles(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            return Set.of();
        }
        try {
            JsonNode claims =
                    JSON.readTree(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
            Set<String> roles = new HashSet<>();
            claims.path("realm_access").path("roles").forEach(r -> roles.add(r.asText()));
            return roles;
        } catch (Exception notJson) {
            return Set.of();
        }
    }
}
