package org.rehabfhir.auth.jwt;

import java.util.Optional;
import org.springframework.security.core.Authentication;
import org.springframework.security.core.context.SecurityContextHolder;

/** Static access to the current request's caller (Spring Security's thread-bound context). */
public final class RehabSecurityContext {

    private RehabSecurityContext() {}

    /** The caller of the current request, empty when the request is anonymous or not authenticated by a token. */
    public static Optional<CallerContext> current() {
        Authentication authentication = SecurityContextHolder.getContext().getAuthentication();
        if (authentication instanceof SmartAuthenticationToken token && token.isAuthenticated()) {
            return Optional.of(token.caller());
        }
        return Optional.empty();
    }
}
