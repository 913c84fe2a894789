package org.rehabfhir.auth.jwt;

import java.util.Collection;
import org.springframework.security.core.GrantedAuthority;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.server.resource.authentication.JwtAuthenticationToken;

/** A validated bearer token together with its {@link CallerContext}. The principal's name is {@code sub}. */
public class SmartAuthenticationToken extends JwtAuthenticationToken {

    private static final long serialVersionUID = 1L;

    private final transient CallerContext caller;

    public SmartAuthenticationToken(Jwt jwt, Collection<? extends GrantedAuthority> authorities, CallerContext caller) {
        super(jwt, authorities, jwt.getSubject());
        this.caller = caller;
    }

    public CallerContext caller() {
        return caller;
    }
}
