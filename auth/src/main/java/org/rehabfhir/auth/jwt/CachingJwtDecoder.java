package org.rehabfhir.auth.jwt;

import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.time.Duration;
import java.util.HexFormat;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

/**
 * Decodes a token's signature once: an access token accepted by the delegate (signature against the realm's JWKS,
 * then every validator) is kept by its SHA-256, and the same token string on its next requests is only validated
 * again (timestamps, issuer, audience, lifetime, type: the same {@code validator}, so an expired token is refused
 * as before). A token the validator refuses on a later request is dropped and handed to the delegate, which refuses
 * it with its own message. Nothing the delegate refused is kept. The same bytes verify the same way, so skipping
 * the repeated RSA verification and JSON parsing changes no answer; a key removed from the JWKS stops such a token
 * only at its expiry (at most 300 s), as Spring's JWKS cache does for any token (5 minutes).
 */
public final class CachingJwtDecoder implements JwtDecoder {

    /** Longer than any token the lifetime validator accepts (300 s plus the clock skew). */
    static final Duration KEEP = Duration.ofMinutes(10);

    private final JwtDecoder delegate;
    private final OAuth2TokenValidator<Jwt> validator;
    private final Cache<String, Jwt> accepted;

    public CachingJwtDecoder(JwtDecoder delegate, OAuth2TokenValidator<Jwt> validator, long maxTokens) {
        this.delegate = delegate;
        this.validator = validator;
        this.accepted = Caffeine.newBuilder()
                .expireAfterWrite(KEEP)
                .maximumSize(maxTokens)
                .build();
    }

    @Override
    public Jwt decode(String token) {
        String key = sha256(token);
        Jwt known = accepted.getIfPresent(key);
        if (known != null) {
            if (!validator.validate(known).hasErrors()) {
                return known;
            }
            accepted.invalidate(key); // e.g. expired since: the delegate says so with its own message
        }
        Jwt jwt = delegate.decode(token);
        accepted.put(key, jwt);
        return jwt;
    }

    static String sha256(String token) {
        try {
            return HexFormat.of()
                    .formatHex(MessageDigest.getInstance("SHA-256").digest(token.getBytes(StandardCharsets.US_ASCII)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is part of every Java runtime", e);
        }
    }
}
