package org.rehabfhir.auth.jwt;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import java.time.Duration;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.junit.jupiter.api.AfterAll;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.rehabfhir.auth.smart.Permission;
import org.springframework.security.oauth2.jwt.Jwt;
import org.springframework.security.oauth2.jwt.JwtDecoder;
import org.springframework.security.oauth2.jwt.JwtException;

class RehabJwtDecodersTest {

    static TestTokens tokens;
    static JwtDecoder decoder;

    @BeforeAll
    static void start() throws Exception {
        tokens = new TestTokens();
        decoder = RehabJwtDecoders.create(
                TestTokens.ISSUER, tokens.jwksUri(), TestTokens.AUDIENCE, Duration.ofSeconds(60));
    }

    @AfterAll
    static void stop() {
        tokens.close();
    }

    @Test
    void acceptsAValidToken() throws Exception {
        Jwt jwt = decoder.decode(tokens.valid());
        assertThat(jwt.getSubject()).isNotBlank();
        SmartAuthenticationToken auth = (SmartAuthenticationToken) new SmartJwtAuthenticationConverter().convert(jwt);
        assertThat(auth.getName()).isEqualTo(jwt.getSubject());
        assertThat(auth.getAuthorities())
                .extracting(Object::toString)
                .contains("ROLE_physiotherapist", "SCOPE_user/Patient.rs");
        CallerContext caller = auth.caller();
        assertThat(caller.username()).isEqualTo("alice");
        assertThat(caller.clientId()).isEqualTo("rehab-test-cli");
        assertThat(caller.tokenId()).isNotBlank();
        assertThat(caller.fhirUser()).isEqualTo("Practitioner/alice");
        assertThat(caller.rights().allows("Observation", Permission.CREATE)).isTrue();
        assertThat(caller.rights().allows("Patient", Permission.UPDATE)).isFalse();
    }

    @Test
    void rejectsExpired() throws Exception {
        Instant now = Instant.now();
        String token = tokens.with(
                b -> b.issueTime(Date.from(now.minusSeconds(600))).expirationTime(Date.from(now.minusSeconds(120))));
        assertRejected(token, "expired");
    }

    @Test
    void toleratesAtMostSixtySecondsOfSkew() throws Exception {
        Instant now = Instant.now();
        decoder.decode(tokens.with(
                b -> b.issueTime(Date.from(now.minusSeconds(300))).expirationTime(Date.from(now.minusSeconds(30)))));
        assertRejected(
                tokens.with(b ->
                        b.issueTime(Date.from(now.minusSeconds(300))).expirationTime(Date.from(now.minusSeconds(75)))),
                "expired");
        assertThatThrownBy(() ->
                        RehabJwtDecoders.validator(TestTokens.ISSUER, TestTokens.AUDIENCE, Duration.ofSeconds(61)))
                .isInstanceOf(IllegalArgumentException.class);
    }

    @Test
    void rejectsNotBeforeInTheFuture() throws Exception {
        assertRejected(tokens.with(b -> b.notBeforeTime(Date.from(Instant.now().plusSeconds(300)))), "nbf");
    }

    @Test
    void rejectsWrongIssuer() throws Exception {
        assertRejected(tokens.with(b -> b.issuer("http://127.0.0.1:1/realms/other")), "iss");
    }

    @Test
    void rejectsMissingIssuer() throws Exception {
        assertRejected(tokens.with(b -> b.issuer(null)), "iss");
    }

    @Test
    void rejectsWrongAudience() throws Exception {
        assertRejected(tokens.with(b -> b.audience(List.of("account", "rehab-clinician-app"))), "aud");
    }

    @Test
    void rejectsMissingAudience() throws Exception {
        assertRejected(tokens.with(b -> b.audience((String) null)), "aud");
    }

    @Test
    void rejectsAlgNone() {
        assertRejected(tokens.algNone(), "none");
    }

    @Test
    void rejectsHs256SignedWithThePublicKey() throws Exception {
        assertRejected(tokens.hs256WithPublicKey(), "HS256");
    }

    @Test
    void rejectsOtherRsaAlgorithms() throws Exception {
        assertRejected(tokens.rs512(), "RS512");
    }

    @Test
    void rejectsUnknownKid() throws Exception {
        assertRejected(tokens.unknownKid(), "unknown kid");
    }

    @Test
    void rejectsATokenWithoutExpiry() throws Exception {
        // Spring's JwtTimestampValidator skips exp when it is absent: such a token would be valid forever.
        assertRejected(tokens.with(b -> b.expirationTime(null)), "no exp");
    }

    @Test
    void rejectsATokenWithoutIssueTime() throws Exception {
        assertRejected(tokens.with(b -> b.issueTime(null)), "no iat");
    }

    @Test
    void rejectsATokenIssuedInTheFuture() throws Exception {
        Instant now = Instant.now();
        assertRejected(
                tokens.with(b ->
                        b.issueTime(Date.from(now.plusSeconds(600))).expirationTime(Date.from(now.plusSeconds(900)))),
                "iat in the future");
    }

    @Test
    void rejectsALongLivedToken() throws Exception {
        Instant now = Instant.now();
        assertRejected(
                tokens.with(b -> b.issueTime(Date.from(now)).expirationTime(Date.from(now.plusSeconds(24 * 3600)))),
                "lives a day");
    }

    @Test
    void rejectsAForgedSignature() throws Exception {
        assertRejected(tokens.badSignature(), "signature");
    }

    @Test
    void rejectsIdAndRefreshTokens() throws Exception {
        assertRejected(tokens.with(b -> b.claim("typ", "ID")), "ID token");
        assertRejected(tokens.with(b -> b.claim("typ", "Refresh")), "refresh token");
    }

    @Test
    void rejectsMalformed() {
        assertRejected("not-a-jwt", "malformed");
        assertRejected("a.b.c", "malformed");
        assertRejected("", "empty");
    }

    private static void assertRejected(String token, String why) {
        assertThatThrownBy(() -> decoder.decode(token))
                .as(why)
                .isInstanceOfAny(JwtException.class, IllegalArgumentException.class);
    }
}
