package org.rehabfhir.auth.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import org.springframework.security.oauth2.core.OAuth2AuthenticatedPrincipal;
import org.springframework.security.oauth2.server.resource.introspection.OpaqueTokenIntrospector;

/**
 * Keeps Keycloak's answer "active" for a token for a short time ({@code rehab.security.introspection.cache-ttl},
 * default 5 s), so that a client writing many times a second costs one introspection per window instead of one per
 * write; concurrent requests with the same token wait for one introspection. Only active answers are kept: an
 * inactive token, an error or an unreachable Keycloak is asked again on the next request (and refused meanwhile).
 * The revocation window of writes and audit reads is therefore at most this time; the token's own expiry is checked
 * on every request before the cache. Tokens are kept by their SHA-256, never as given.
 */
public final class CachingTokenIntrospector implements OpaqueTokenIntrospector {

    private final OpaqueTokenIntrospector delegate;
    private final Cache<String, OAuth2AuthenticatedPrincipal> active;

    public CachingTokenIntrospector(OpaqueTokenIntrospector delegate, Duration ttl, long maxTokens) {
        this(delegate, ttl, maxTokens, Ticker.systemTicker());
    }

    CachingTokenIntrospector(OpaqueTokenIntrospector delegate, Duration ttl, long maxTokens, Ticker ticker) {
        this.delegate = delegate;
        this.active = Caffeine.newBuilder()
                .expireAfterWrite(ttl)
                .maximumSize(maxTokens)
                .ticker(ticker)
                .build();
    }

    @Override
    public OAuth2AuthenticatedPrincipal introspect(String token) {
        // an exception of the delegate (inactive, unavailable) reaches the caller and leaves nothing in the cache
        return active.get(CachingJwtDecoder.sha256(token), key -> delegate.introspect(token));
    }
}
