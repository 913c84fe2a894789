package org.rehabfhir.auth.jwt;

import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import org.springframework.http.client.SimpleClientHttpRequestFactory;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.jose.jws.SignatureAlgorithm;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtIssuerValidator;
import org.springframework.security.oauth2.jwt.JwtTimestampValidator;
import org.springframework.security.oauth2.jwt.JwtValidators;
import org.springframework.security.oauth2.jwt.NimbusJwtDecoder;
import org.springframework.util.StringUtils;
import org.springframework.web.client.RestTemplate;

/**
 * The access-token decoder: signature checked against the realm's JWKS with RS256 only (so {@code alg: none}, HS256
 * and every other algorithm fail), then Spring's default validators COMBINED with ours: issuer, timestamps with at
 * most 60 s skew ({@code exp} and {@code iat} required, no {@code iat} in the future, no lifetime above the realm's 300 s),
 * audience, and Keycloak's access-token type. An accepted token is decoded once ({@link CachingJwtDecoder}) and
 * validated again on each request.
 */
public final class RehabJwtDecoders {

    /** The largest clock skew accepted for {@code exp}/{@code nbf}. */
    public static final Duration MAX_CLOCK_SKEW = Duration.ofSeconds(60);

    /** At most this many accepted tokens kept decoded ({@link CachingJwtDecoder}). */
    static final long DECODED_TOKENS_KEPT = 10_000;

    private RehabJwtDecoders() {}

    /**
     * @param issuer the realm URL, e.g. {@code http://127.0.0.1:8180/realms/rehab} (must equal {@code iss})
     * @param jwksUri the realm's key set; null means Keycloak's {@code <issuer>/protocol/openid-connect/certs}
     * @param audience required in {@code aud}
     * @param clockSkew at most {@link #MAX_CLOCK_SKEW}
     */
    public static JwtDecoder create(String issuer, String jwksUri, String audience, Duration clockSkew) {
        SimpleClientHttpRequestFactory requests = new SimpleClientHttpRequestFactory();
        requests.setConnectTimeout((int) Duration.ofSeconds(5).toMillis());
        requests.setReadTimeout((int) Duration.ofSeconds(5).toMillis());
        NimbusJwtDecoder decoder = NimbusJwtDecoder.withJwkSetUri(
                        jwksUri == null || jwksUri.isBlank() ? keycloakJwksUri(issuer) : jwksUri)
                .jwsAlgorithm(SignatureAlgorithm.RS256)
                .restOperations(new RestTemplate(requests))
                .build();
        OAuth2TokenValidator<Jwt> validator = validator(issuer, audience, clockSkew);
        decoder.setJwtValidator(validator);
        return new CachingJwtDecoder(decoder, validator, DECODED_TOKENS_KEPT);
    }

    /** Spring's defaults (with our timestamp validator replacing the default one) plus issuer, audience and type. */
    public static OAuth2TokenValidator<Jwt> validator(String issuer, String audience, Duration clockSkew) {
        if (issuer == null || issuer.isBlank()) {
            throw new IllegalArgumentException("issuer must not be blank");
        }
        if (clockSkew == null || clockSkew.isNegative() || clockSkew.compareTo(MAX_CLOCK_SKEW) > 0) {
            throw new IllegalArgumentException("clock skew must be between 0 and 60 s, was " + clockSkew);
        }
        List<OAuth2TokenValidator<Jwt>> validators = new ArrayList<>();
        validators.add(new JwtTimestampValidator(clockSkew));
        validators.add(new TokenLifetimeValidator(clockSkew));
        validators.add(new JwtIssuerValidator(issuer));
        validators.add(new AudienceValidator(audience));
        validators.add(new AccessTokenTypeValidator());
        // createDefaultWithValidators keeps our timestamp validator and adds the other defaults (x5t thumbprint).
        return JwtValidators.createDefaultWithValidators(validators);
    }

    public static String keycloakJwksUri(String issuer) {
        return StringUtils.trimTrailingCharacter(issuer, '/') + "/protocol/openid-connect/certs";
    }
}
