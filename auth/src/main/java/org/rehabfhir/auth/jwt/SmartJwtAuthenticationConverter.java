package org.rehabfhir.auth.jwt;

import java.util.ArrayList;
import java.util.Collection;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.SmartScope;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.core.convert.converter.Converter;
import org.springframework.security.authentication.AbstractAuthenticationToken;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.core.authority.SimpleGrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * Turns a validated Keycloak access token into a {@link SmartAuthenticationToken}: authorities {@code ROLE_<realm
 * role>} (from {@code realm_access.roles}) and {@code SCOPE_<scope>}, and the {@link CallerContext} with the
 * scopes parsed once and intersected with the roles.
 */
public class SmartJwtAuthenticationConverter implements Converter<Jwt, AbstractAuthenticationToken> {

    private static final Logger log = LoggerFactory.getLogger(SmartJwtAuthenticationConverter.class);

    @Override
    public AbstractAuthenticationToken convert(Jwt jwt) {
        List<String> roles = realmRoles(jwt);
        List<String> scopes = scopes(jwt);
        Set<SmartScope> smartScopes = SmartScope.parseAll(scopes);
        EffectiveRights rights = EffectiveRights.of(smartScopes, roles, jwt.getClaimAsString("patient"));
        CallerContext caller = new CallerContext(
                jwt.getSubject(),
                jwt.getClaimAsString("preferred_username"),
                jwt.getClaimAsString("azp"),
                jwt.getId(),
                jwt.getClaimAsString("fhirUser"),
                jwt.getIssuer() == null ? null : jwt.getIssuer().toString(),
                List.copyOf(roles),
                List.copyOf(scopes),
                smartScopes,
                rights);
        Collection<GrantedAuthority> authorities = new ArrayList<>();
        roles.forEach(r -> authorities.add(new SimpleGrantedAuthority("ROLE_" + r)));
        scopes.forEach(s -> authorities.add(new SimpleGrantedAuthority("SCOPE_" + s)));
        log.debug("Caller {} (client {}): {}", caller.displayName(), caller.clientId(), rights);
        return new SmartAuthenticationToken(jwt, authorities, caller);
    }

    static List<String> realmRoles(Jwt jwt) {
        Object realmAccess = jwt.getClaims().get("realm_access");
        if (realmAccess instanceof Map<?, ?> map && map.get("roles") instanceof Collection<?> roles) {
            List<String> out = new ArrayList<>();
            roles.forEach(r -> out.add(String.valueOf(r)));
            return out;
        }
        return List.of();
    }

    static List<String> scopes(Jwt jwt) {
        Object scope = jwt.getClaims().get("scope");
        if (scope instanceof String s && !s.isBlank()) {
            return List.of(s.trim().split("\\s+"));
        }
        if (scope instanceof Collection<?> c) {
            List<String> out = new ArrayList<>();
            c.forEach(v -> out.add(String.valueOf(v)));
            return out;
        }
        return List.of();
    }
}
