package org.rehabfhir.auth.jwt;

import java.util.Collection;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import org.rehabfhir.auth.smart.RehabRole;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.security.authentication.AuthenticationProvider;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.AuthenticationException;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.InvalidBearerTokenException;
import org.springframework.security.oauth2.server.resource.authentication.BearerTokenAuthenticationToken;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationProvider;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;
import org.springframework.security.oauth2.server.resource.introspection.BadOpaqueTokenException;
import org.springframework.security.oauth2.server.resource.introspection.OAuth2IntrospectionException;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * Bearer authentication for the requests that need a live token ({@link IntrospectedRequests}): the JWT is first
 * validated as for every request ({@link JwtAuthenticationProvider}: signature, issuer, audience, lifetime), then
 * Keycloak's token introspection endpoint (Spring's {@link OpaqueTokenIntrospector}, RFC 7662) must still call it
 * active and must still give the user every Rehab-FHIR role the token claims.
 *
 * <ul>
 *   <li>inactive (logged out, session revoked, user disabled or deleted, token expired): 401 like any bad token;</li>
 *   <li>a role of the token no longer the user's (Keycloak recomputes {@code realm_access} when it introspects):
 *       401, the client gets a new token with the roles the user has now;</li>
 *   <li>Keycloak unreachable or erroring: {@link IntrospectionUnavailableException}, answered 503 (fail closed).</li>
 * </ul>
 * The introspector may keep an active answer for a few seconds ({@link CachingTokenIntrospector}): the revocation
 * window of these requests.
 */
public class IntrospectingJwtAuthenticationProvider implements AuthenticationProvider {

    private static final Logger log = LoggerFactory.getLogger(IntrospectingJwtAuthenticationProvider.class);

    private final JwtAuthenticationProvider jwt;
    private final OpaqueTokenIntrospector introspector;

    public IntrospectingJwtAuthenticationProvider(JwtAuthenticationProvider jwt, OpaqueTokenIntrospector introspector) {
        this.jwt = jwt;
        this.introspector = introspector;
    }

    @Override
    public Authentication authenticate(Authentication authentication) throws AuthenticationException {
        Authentication validated = jwt.authenticate(authentication);
        if (!(validated instanceof JwtAuthenticationToken token)) {
            return validated;
        }
        OAuth2AuthenticatedPrincipal live;
        try {
            live = introspector.introspect(token.getToken().getTokenValue());
        } catch (BadOpaqueTokenException inactive) {
            throw new InvalidBearerTokenException(
                    "The token is no longer active (logout, revoked session, disabled" + " or deleted user)");
        } catch (OAuth2IntrospectionException unavailable) {
            log.error("Token introspection failed, request refused: {}", unavailable.getMessage());
            throw new IntrospectionUnavailableException(
                    "The token could not be checked with the identity provider", unavailable);
        }
        Set<String> lost = rehabRoles(token.getToken().getClaims().get("realm_access"));
        lost.removeAll(rehabRoles(live.getAttributes().get("realm_access")));
        if (!lost.isEmpty()) {
            throw new InvalidBearerTokenException("The token claims roles the user no longer has: " + lost);
        }
        return validated;
    }

    @Override
    public boolean supports(Class<?> authentication) {
        return BearerTokenAuthenticationToken.class.isAssignableFrom(authentication);
    }

    /** The Rehab-FHIR realm roles in a {@code realm_access} claim ({@code {"roles": [...]}}). */
    static Set<String> rehabRoles(Object realmAccess) {
        Set<String> roles = new LinkedHashSet<>();
        if (realmAccess instanceof Map<?, ?> map && map.get("roles") instanceof Collection<?> names) {
            for (Object name : names) {
                RehabRole.ofRoleName(String.valueOf(name)).ifPresent(r -> roles.add(String.valueOf(name)));
            }
        }
        return roles;
    }
}
