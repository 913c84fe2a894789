package org.rehabfhir.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;

import java.time.Clock;
import java.time.Duration;
import java.time.Instant;
import java.time.ZoneOffset;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.jwt.Jwt;

class TokenLifetimeValidatorTest {

    private static final Instant NOW = Instant.parse("2026-12-01T18:00:33Z");
    private final TokenLifetimeValidator validator =
            new TokenLifetimeValidator(Duration.ofMinutes(1), Clock.fixed(NOW, ZoneOffset.UTC));

    @Test
    void aTokenOfTheRealmsLifespanIssuedOnABusyKeycloakIsAccepted() {
        // seen in the build: iat 18:00:33, exp 18:05:34
        assertThat(validator.validate(token(NOW, NOW.plusSeconds(301))).hasErrors())
                .isFalse();
    }

    @Test
    void aTokenLivingLongerThanTheRealmsLifespanIsRefused() {
        assertThat(validator.validate(token(NOW, NOW.plusSeconds(3600))).hasErrors())
                .isTrue();
        assertThat(validator.validate(token(NOW, NOW.plusSeconds(306))).hasErrors())
                .isTrue();
    }

    private static Jwt token(Instant iat, Instant exp) {
        return Jwt.withTokenValue("t")
                .header("alg", "RS256")
                .claim("sub", "x")
                .issuedAt(iat)
                .expiresAt(exp)
                .build();
    }
}
