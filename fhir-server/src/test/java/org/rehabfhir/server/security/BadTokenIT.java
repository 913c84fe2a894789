package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Base64;
import java.util.Date;
import java.util.List;
import java.util.UUID;
import java.util.function.UnaryOperator;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;

/**
 * Layer 1, over HTTP against the real Keycloak: every kind of bad access token is refused with 401,
 * {@code WWW-Authenticate: Bearer} and an OperationOutcome without server internals, and the write it carried
 * stores nothing. Real tokens of every caller pass.
 *
 * <p>Hand-made tokens appear only here, as negative cases. Claim defects ({@code exp}, {@code nbf}, {@code iss},
 * {@code aud}, {@code typ}) are signed with {@link RealmTestKey}, a key the realm publishes, so they fail on the
 * claim and not on the signature; the control {@link #aRealmSignedTokenWithIntactClaimsIsAccepted} proves that.
 */
class BadTokenIT extends AbstractFhirServerIT {

    /** A bad token, made lazily (Keycloak and the server must be up). */
    interface TokenMaker {
        String make() throws Exception;
    }

    static Stream<Named<TokenMaker>> badTokens() {
        return Stream.of(
                Named.of("malformed: not a JWT", () -> "not-a-jwt"),
                Named.of("malformed: three garbage segments", () -> "abc.def.ghi"),
                Named.of("malformed: header only", () -> b64("{\"alg\":\"RS256\"}") + ".."),
                Named.of(
                        "expired (exp 2 min ago, beyond the 60 s skew)",
                        () -> realmSigned(c -> c.issueTime(ago(420)).expirationTime(ago(120)))),
                Named.of("nbf 5 min in the future", () -> realmSigned(c -> c.notBeforeTime(inFuture(300)))),
                Named.of(
                        "iat far in the future",
                        () -> realmSigned(c -> c.issueTime(inFuture(600)).expirationTime(inFuture(900)))),
                Named.of("no exp (would never expire)", () -> realmSigned(c -> c.expirationTime(null))),
                Named.of("no iat", () -> realmSigned(c -> c.issueTime(null))),
                Named.of(
                        "lives a day",
                        () -> realmSigned(c -> c.issueTime(ago(10)).expirationTime(inFuture(86_400)))),
                Named.of(
                        "lives 10 minutes (the realm issues 300 s)",
                        () -> realmSigned(c -> c.issueTime(ago(10)).expirationTime(inFuture(590)))),
                Named.of(
                        "lives 306 s (the realm's 300 s and Keycloak's issuing tolerance of 5 s)",
                        () -> realmSigned(c -> c.issueTime(ago(10)).expirationTime(inFuture(296)))),
                Named.of("wrong iss", () -> realmSigned(c -> c.issuer(keycloak().issuerUri("rehab-other")))),
                Named.of("no iss", () -> realmSigned(c -> c.issuer(null))),
                Named.of("wrong aud", () -> realmSigned(c -> c.audience(List.of("account", "some-other-api")))),
                Named.of("no aud", () -> realmSigned(c -> c.audience((String) null))),
                Named.of("ID token (typ=ID) instead of an access token", () -> realmSigned(c -> c.claim("typ", "ID"))),
                Named.of("refresh token (typ=Refresh)", () -> realmSigned(c -> c.claim("typ", "Refresh"))),
                Named.of("alg none", () -> new PlainJWT(freshClaims(c -> c)).serialize()),
                Named.of("alg none with a signature part", () -> {
                    String[] real = Tokens.ehr().split("\\.");
                    return b64("{\"alg\":\"none\",\"typ\":\"JWT\"}") + "." + real[1] + "." + real[2];
                }),
                Named.of("HS256 signed with the realm's public key", BadTokenIT::hs256WithThePublicKey),
                Named.of("unknown kid", () -> signedWithForeignKey("unknown-" + UUID.randomUUID())),
                Named.of("known kid, signed with a key Keycloak never had", () -> signedWithForeignKey(realmKid())),
                Named.of("claims edited, old signature kept", BadTokenIT::editedClaimsOldSignature),
                Named.of(
                        "another realm's token (same aud and role)",
                        () -> keycloak().tokens().foreignRealmToken()));
    }

    @Test
    void noTokenIs401WithABearerChallenge() {
        HttpResponse<String> response = postPatient(null, TestData.uniqueMrn());

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Bearer"));
        RawHttp.assertCleanOperationOutcome(response);
    }

    @Test
    void emptyBearerIs401() {
        HttpResponse<String> response = RawHttp.to(root())
                .get("/fhir/Patient")
                .header("Authorization", "Bearer ")
                .send();

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate")).isPresent();
    }

    @Test
    void basicAuthenticationIsNotAccepted() {
        HttpResponse<String> response = RawHttp.to(root())
                .get("/fhir/Patient")
                .header("Authorization", "Basic " + b64("alice:alice-DEV-ONLY-password"))
                .send();

        assertThat(response.statusCode()).isEqualTo(401);
        assertThat(response.headers().firstValue("WWW-Authenticate"))
                .hasValueSatisfying(challenge -> assertThat(challenge).startsWith("Bearer"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("badTokens")
    void badTokenIs401AndStoresNothing(TokenMaker badToken) throws Exception {
        String token = badToken.make();
        String mrn = TestData.uniqueMrn();

        HttpResponse<String> write = postPatient(token, mrn);
        HttpResponse<String> read = RawHttp.to(root())
                .get("/fhir/Observation?_count=1")
                .bearer(token)
                .send();

        for (HttpResponse<String> response : List.of(write, read)) {
            assertThat(response.statusCode()).as(response.body()).isEqualTo(401);
            assertThat(response.headers().firstValue("WWW-Authenticate"))
                    .hasValueSatisfying(challenge ->
                            assertThat(challenge).startsWith("Bearer").contains("invalid_token"));
            RawHttp.assertCleanOperationOutcome(response);
            assertThat(response.body()).doesNotContain(token).doesNotContain("Test");
        }
        assertNoPatientWithMrn(mrn);
    }

    @Test
    void aRealmSignedTokenWithIntactClaimsIsAccepted() throws Exception {
        // The control of the claim cases above: the same key, the same claims, nothing broken -> accepted.
        String token = realmSigned(c -> c);

        HttpResponse<String> response =
                RawHttp.to(root()).get("/fhir/Patient?_count=1").bearer(token).send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void ehrHospitalTokenWithClientSecretIsAccepted() {
        assertSearchWorks(ehr(), "Patient");
    }

    @Test
    void ehrTokenFromPrivateKeyJwtIsAccepted() {
        assertSearchWorks(clientWithToken(keycloak().tokens().ehrJwtToken()), "Patient");
    }

    @Test
    void physiotherapistTokenIsAccepted() {
        assertSearchWorks(physio(), "Observation");
    }

    @Test
    void secondPhysiotherapistTokenIsAccepted() {
        assertSearchWorks(clientWithToken(Tokens.user("bob")), "Observation");
    }

    @Test
    void auditorTokenIsAccepted() {
        assertSearchWorks(auditor(), "Observation");
    }

    // ------------------------------------------------------------------------------------------------- helpers

    private void assertSearchWorks(IGenericClient caller, String type) {
        Bundle bundle = caller.search()
                .forResource(type)
                .count(1)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(bundle.getType()).isEqualTo(Bundle.BundleType.SEARCHSET);
    }

    private HttpResponse<String> postPatient(String token, String mrn) {
        String json = CLIENT_CONTEXT.newJsonParser().encodeResourceToString(TestData.patient(mrn));
        RawHttp request = RawHttp.to(root()).post("/fhir/Patient", RawHttp.FHIR_JSON, json);
        return token == null ? request.send() : request.bearer(token).send();
    }

    private void assertNoPatientWithMrn(String mrn) {
        Bundle found = ehr().search()
                .forResource(Patient.class)
                .where(Patient.IDENTIFIER.exactly().systemAndCode(TestData.MRN_SYSTEM, mrn))
                .returnBundle(Bundle.class)
                .execute();
        assertThat(found.getEntry()).as("patients stored with MRN " + mrn).isEmpty();
    }

    private String root() {
        return "http://localhost:" + port;
    }

    /** The claims of a fresh real Keycloak token of the EHR system, changed by {@code change}. */
    private static JWTClaimsSet freshClaims(UnaryOperator<JWTClaimsSet.Builder> change) throws Exception {
        JWTClaimsSet real =
                SignedJWT.parse(keycloak().tokens().ehrHospitalToken()).getJWTClaimsSet();
        return change.apply(new JWTClaimsSet.Builder(real)).build();
    }

    private static String realmSigned(UnaryOperator<JWTClaimsSet.Builder> change) throws Exception {
        return RealmTestKey.shared().sign(freshClaims(change));
    }

    private static String signedWithForeignKey(String kid) throws Exception {
        RSAKey foreign = new RSAKeyGenerator(2048).keyID(kid).generate();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .type(JOSEObjectType.JWT)
                        .keyID(kid)
                        .build(),
                freshClaims(c -> c));
        jwt.sign(new RSASSASigner(foreign));
        return jwt.serialize();
    }

    /** The classic key-confusion attack: HMAC with the RSA public key (as published) as the shared secret. */
    private static String hs256WithThePublicKey() throws Exception {
        RSAKey published = realmKey();
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .type(JOSEObjectType.JWT)
                        .keyID(published.getKeyID())
                        .build(),
                freshClaims(c -> c));
        jwt.sign(new MACSigner(published.toRSAPublicKey().getEncoded()));
        return jwt.serialize();
    }

    /** A real token whose payload is swapped for a more powerful one; the signature is the original's. */
    private static String editedClaimsOldSignature() throws Exception {
        String[] real = keycloak().tokens().ehrHospitalToken().split("\\.");
        JWTClaimsSet edited = new JWTClaimsSet.Builder(
                        SignedJWT.parse(String.join(".", real)).getJWTClaimsSet())
                .claim("scope", "system/*.cruds")
                .claim("realm_access", java.util.Map.of("roles", List.of("ehr-system", "physiotherapist", "auditor")))
                .build();
        return real[0] + "." + b64(edited.toString()) + "." + real[2];
    }

    /** The key Keycloak signs with (the first RS256 signing key of the realm's JWKS, not the test key). */
    private static RSAKey realmKey() throws Exception {
        String kid = SignedJWT.parse(keycloak().tokens().ehrHospitalToken())
                .getHeader()
                .getKeyID();
        JWKSet set = JWKSet.load(URI.create(keycloak().jwksUri()).toURL());
        JWK key = set.getKeyByKeyId(kid);
        return key.toRSAKey();
    }

    private static String realmKid() throws Exception {
        return realmKey().getKeyID();
    }

    private static Date ago(long seconds) {
        return Date.from(Instant.now().minusSeconds(seconds));
    }

    private static Date inFuture(long seconds) {
        return Date.from(Instant.now().plusSeconds(seconds));
    }

    private static String b64(String s) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(s.getBytes(StandardCharsets.UTF_8));
    }
}
