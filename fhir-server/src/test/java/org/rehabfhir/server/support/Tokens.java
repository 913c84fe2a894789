package org.rehabfhir.server.support;

import java.time.Duration;
import java.time.Instant;
import java.util.Map;
import java.util.concurrent.ConcurrentHashMap;
import java.util.function.Supplier;
import org.rehabfhir.devservices.KeycloakServer;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Access tokens of the demo callers from the shared test Keycloak, kept for a minute (they live five) so that a
 * test run does not ask Keycloak for a token per test.
 */
public final class Tokens {

    private static final Logger log = LoggerFactory.getLogger(Tokens.class);
    private static final Duration REUSE = Duration.ofSeconds(60);
    private static final Map<String, Cached> CACHE = new ConcurrentHashMap<>();

    private record Cached(String token, Instant fetched) {}

    private Tokens() {}

    public static String ehr() {
        return cached("ehr", () -> KeycloakServer.shared().tokens().ehrHospitalToken());
    }

    /** As {@code ehr-demo-jwt}, authenticated with a signed JWT (private_key_jwt). */
    public static String ehrJwt() {
        return cached("ehr-jwt", () -> KeycloakServer.shared().tokens().ehrJwtToken());
    }

    /** The monitoring client {@code metrics-scraper} (role metrics-scraper: actuator metrics only). */
    public static String metricsScraper() {
        return cached("metrics-scraper", () -> KeycloakServer.shared()
                .tokens()
                .clientCredentials("metrics-scraper", "metrics-scraper-DEV-ONLY-secret", null)
                .accessToken());
    }

    public static String user(String username) {
        return cached("user:" + username, () -> KeycloakServer.shared().tokens().userToken(username));
    }

    private static String cached(String key, Supplier<String> fetch) {
        Cached cached = CACHE.compute(
                key,
                (k, old) -> old != null && old.fetched().plus(REUSE).isAfter(Instant.now())
                        ? old
                        : fetched(k, fetch.get()));
        return cached.token();
    }

    /** Logs what a new token says about itself (key, times, audience), so a test that sees it refused can tell why. */
    private static Cached fetched(String key, String token) {
        try {
            com.nimbusds.jwt.SignedJWT jwt = com.nimbusds.jwt.SignedJWT.parse(token);
            com.nimbusds.jwt.JWTClaimsSet claims = jwt.getJWTClaimsSet();
            log.info(
                    "Test token {}: kid {}, iss {}, aud {}, iat {}, exp {}",
                    key,
                    jwt.getHeader().getKeyID(),
                    claims.getIssuer(),
                    claims.getAudience(),
                    claims.getIssueTime().toInstant(),
                    claims.getExpirationTime().toInstant());
        } catch (java.text.ParseException | RuntimeException e) {
            log.warn("Test token {} is not a readable JWT: {}", key, e.toString());
        }
        return new Cached(token, Instant.now());
    }
}
