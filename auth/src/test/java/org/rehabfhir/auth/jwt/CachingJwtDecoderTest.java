package org.rehabfhir.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Instant;
import java.util.ArrayList;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.springframework.security.oauth2.core.OAuth2Error;
import org.springframework.security.oauth2.core.OAuth2TokenValidator;
import org.springframework.security.oauth2.core.OAuth2TokenValidatorResult;
import org.springframework.security.oauth2.jwt.BadJwtException;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;

class CachingJwtDecoderTest {

    private final List<String> decoded = new ArrayList<>();
    private boolean delegateRefuses;
    private boolean stillValid = true;

    private final JwtDecoder signatureChecking = token -> {
        decoded.add(token);
        if (delegateRefuses) {
            throw new BadJwtException("An error occurred while attempting to decode the Jwt: Jwt expired");
        }
        return Jwt.withTokenValue(token)
                .header("alg", "RS256")
                .subject("sub-" + token)
                .issuedAt(Instant.now())
                .expiresAt(Instant.now().plusSeconds(300))
                .build();
    };

    private final OAuth2TokenValidator<Jwt> validator = jwt -> stillValid
            ? OAuth2TokenValidatorResult.success()
            : OAuth2TokenValidatorResult.failure(new OAuth2Error("invalid_token", "Jwt expired", null));

    private final CachingJwtDecoder decoder = new CachingJwtDecoder(signatureChecking, validator, 100);

    @Test
    void anAcceptedTokenIsDecodedOnce() {
        Jwt first = decoder.decode("token-a");

        assertThat(decoder.decode("token-a")).isSameAs(first);
        assertThat(decoded).containsExactly("token-a");
    }

    @Test
    void aKeptTokenTheValidatorNowRefusesIsRefusedByTheDelegate() {
        decoder.decode("token-a");
        stillValid = false;
        delegateRefuses = true;

        assertThatThrownBy(() -> decoder.decode("token-a"))
                .isInstanceOf(BadJwtException.class)
                .hasMessageContaining("Jwt expired");
        assertThat(decoded).containsExactly("token-a", "token-a");
    }

    @Test
    void aRefusedTokenIsNeverKept() {
        delegateRefuses = true;
        assertThatThrownBy(() -> decoder.decode("token-a")).isInstanceOf(BadJwtException.class);
        assertThatThrownBy(() -> decoder.decode("token-a")).isInstanceOf(BadJwtException.class);

        assertThat(decoded).containsExactly("token-a", "token-a");
    }

    @Test
    void eachTokenIsDecodedForItself() {
        assertThat(decoder.decode("token-a").getSubject()).isEqualTo("sub-token-a");
        assertThat(decoder.decode("token-b").getSubject()).isEqualTo("sub-token-b");
        assertThat(decoded).containsExactly("token-a", "token-b");
    }
}
