package org.rehabfhir.auth.jwt;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2ErrorCodes;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.Jwt;

/**
 * What Spring's {@code JwtTimestampValidator} leaves out (it checks {@code exp} and {@code nbf} only when present):
 * {@code exp} and {@code iat} are REQUIRED (RFC 9068, JWT access tokens), {@code iat} must not lie in the future
 * beyond the clock skew, and {@code exp - iat} must not exceed the longest lifetime we accept. A token without
 * {@code exp} would otherwise be valid forever.
 */
public final class TokenLifetimeValidator implements OAuth2TokenValidator<Jwt> {

    /**
     * The realm's access token lifespan (300 s, realm and every client): a token that lives longer is not one of ours.
     * It is also the revocation window: a token stays valid after logout, role removal or disabling of its user for
     * at most this long (plus the clock skew), see docs/security.md.
     */
    public static final Duration MAX_LIFETIME = Duration.ofSeconds(300);

    /**
     * Keycloak takes a token's {@code iat} and the start of its {@code exp} at two moments, in whole seconds: on a busy
     * machine a token of the 300 s lifespan comes with {@code exp - iat} = 301 s (seen in the build). A few seconds
     * more are accepted; a token of another lifespan (minutes, hours) is not.
     */
    static final Duration ISSUING_TOLERANCE = Duration.ofSeconds(5);

    private final Duration clockSkew;
    private final Clock clock;

    public TokenLifetimeValidator(Duration clockSkew) {
        this(clockSkew, Clock.systemUTC());
    }

    TokenLifetimeValidator(Duration clockSkew, Clock clock) {
        this.clockSkew = clockSkew;
        this.clock = clock;
    }

    @Override
    public OAuth2TokenValidatorResult validate(Jwt jwt) {
        Instant exp = jwt.getExpiresAt();
        Instant iat = jwt.getIssuedAt();
        if (exp == null) {
            return failure("The token has no expiry (exp)");
        }
        if (iat == null) {
            return failure("The token has no issue time (iat)");
        }
        if (iat.isAfter(Instant.now(clock).plus(clockSkew))) {
            return failure("The token was issued in the future (iat)");
        }
        if (Duration.between(iat, exp).compareTo(MAX_LIFETIME.plus(ISSUING_TOLERANCE)) > 0) {
            return failure("The token lives longer than " + MAX_LIFETIME.toSeconds() + " s");
        }
        return OAuth2TokenValidatorResult.success();
    }

    private static OAuth2TokenValidatorResult failure(String description) {
        return OAuth2TokenValidatorResult.failure(new OAuth2Error(OAuth2ErrorCodes.INVALID_TOKEN, description, null));
    }
}
