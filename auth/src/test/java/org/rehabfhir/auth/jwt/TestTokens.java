package org.rehabfhir.auth.jwt;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.MACSigner;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.PlainJWT;
import com.nimbusds.jwt.SignedJWT;
import com.sun.net.httpserver.HttpServer;
import java.net.InetAddress;
import java.net.InetSocketAddress;
import java.nio.charset.StandardCharsets;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.function.Consumer;

/**
 * Hand-made tokens for NEGATIVE tests (and the one positive control), signed with an in-test RSA key whose JWKS is
 * served on loopback by the JDK's HTTP server, so the decoder under test fetches keys exactly as in production.
 */
public final class TestTokens implements AutoCloseable {

    public static final String ISSUER = "http://127.0.0.1:1/realms/rehab";
    public static final String AUDIENCE = "rehab-fhir-server";

    private final RSAKey key;
    private final RSAKey otherKey;
    private final HttpServer server;

    public TestTokens() throws Exception {
        key = new RSAKeyGenerator(2048).keyID("test-key").generate();
        otherKey = new RSAKeyGenerator(2048).keyID("unknown-key").generate();
        String jwks = new JWKSet(key.toPublicJWK()).toString();
        server = HttpServer.create(new InetSocketAddress(InetAddress.getLoopbackAddress(), 0), 0);
        server.createContext("/certs", exchange -> {
            byte[] body = jwks.getBytes(StandardCharsets.UTF_8);
            exchange.getResponseHeaders().add("Content-Type", "application/json");
            exchange.sendResponseHeaders(200, body.length);
            exchange.getResponseBody().write(body);
            exchange.close();
        });
        server.start();
    }

    public String jwksUri() {
        return "http://127.0.0.1:" + server.getAddress().getPort() + "/certs";
    }

    public RSAKey key() {
        return key;
    }

    /** Claims like a Keycloak access token of alice; {@code changes} alters them. */
    public JWTClaimsSet.Builder claims() {
        Instant now = Instant.now();
        return new JWTClaimsSet.Builder()
                .issuer(ISSUER)
                .audience(AUDIENCE)
                .subject("b3c75e61-70d4-46e7-b5f3-677d9855e9fe")
                .issueTime(Date.from(now))
                .expirationTime(Date.from(now.plusSeconds(300)))
                .jwtID(UUID.randomUUID().toString())
                .claim("typ", "Bearer")
                .claim("azp", "rehab-test-cli")
                .claim("preferred_username", "alice")
                .claim("fhirUser", "Practitioner/alice")
                .claim("realm_access", Map.of("roles", List.of("physiotherapist", "default-roles-rehab")))
                .claim("scope", "openid fhirUser user/Patient.rs user/Observation.crus");
    }

    public String valid() throws Exception {
        return signed(key, claims().build());
    }

    public String with(Consumer<JWTClaimsSet.Builder> changes) throws Exception {
        JWTClaimsSet.Builder b = claims();
        changes.accept(b);
        return signed(key, b.build());
    }

    public String unknownKid() throws Exception {
        return signed(otherKey, claims().build());
    }

    public String algNone() {
        return new PlainJWT(claims().build()).serialize();
    }

    /** The classic key-confusion attack: HS256 with the RSA public key as the HMAC secret. */
    public String hs256WithPublicKey() throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.HS256)
                        .keyID(key.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims().build());
        jwt.sign(new MACSigner(key.toRSAPublicKey().getEncoded()));
        return jwt.serialize();
    }

    /** Signed by another key under the known kid (a forged signature). */
    public String badSignature() throws Exception {
        RSAKey impostor = new RSAKeyGenerator(2048).keyID(key.getKeyID()).generate();
        return signed(impostor, claims().build());
    }

    /** RS512 with the right key: only RS256 is accepted. */
    public String rs512() throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS512)
                        .keyID(key.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims().build());
        jwt.sign(new RSASSASigner(key));
        return jwt.serialize();
    }

    static String signed(RSAKey signingKey, JWTClaimsSet claims) throws Exception {
        SignedJWT jwt = new SignedJWT(
                new JWSHeader.Builder(JWSAlgorithm.RS256)
                        .keyID(signingKey.getKeyID())
                        .type(JOSEObjectType.JWT)
                        .build(),
                claims);
        jwt.sign(new RSASSASigner(signingKey));
        return jwt.serialize();
    }

    @Override
    public void close() {
        server.stop(0);
    }
}
