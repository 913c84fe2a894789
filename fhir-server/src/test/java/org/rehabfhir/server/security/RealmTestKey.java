package org.rehabfhir.server.security;

import com.nimbusds.jose.JOSEObjectType;
import com.nimbusds.jose.JWSAlgorithm;
import com.nimbusds.jose.JWSHeader;
import com.nimbusds.jose.crypto.RSASSASigner;
import com.nimbusds.jose.jwk.JWK;
import com.nimbusds.jose.jwk.JWKSet;
import com.nimbusds.jose.jwk.RSAKey;
import com.nimbusds.jose.jwk.gen.RSAKeyGenerator;
import com.nimbusds.jwt.JWTClaimsSet;
import com.nimbusds.jwt.SignedJWT;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.text.ParseException;
import java.util.Base64;
import java.util.UUID;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.MiniJson;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * A signing key that the test Keycloak itself publishes: generated here, imported into realm {@code rehab} through
 * Keycloak's admin REST API as a PASSIVE RS256 key (Keycloak never signs with it, but lists it in the realm's JWKS
 * like a key it is rotating out). Tokens signed with it pass the signature check through the real JWKS, so the
 * negative tests for {@code exp}, {@code nbf}, {@code iss}, {@code aud} and {@code typ} reach the claim validators
 * instead of failing early on the signature. For NEGATIVE tests only (and the one control that proves the key
 * works); one per test JVM.
 */
final class RealmTestKey {

    private static final Logger log = LoggerFactory.getLogger(RealmTestKey.class);
    private static final String REALM = KeycloakAdmin.REALM;
    private static volatile RealmTestKey instance;

    private final RSAKey key;

    private RealmTestKey(RSAKey key) {
        this.key = key;
    }

    static RealmTestKey shared() {
        if (instance == null) {
            synchronized (RealmTestKey.class) {
                if (instance == null) {
                    instance = register(KeycloakServer.shared());
                }
            }
        }
        return instance;
    }

    /** Signs {@code claims} RS256 with this realm-published key (header {@code kid} = Keycloak's id of it). */
    String sign(JWTClaimsSet claims) {
        try {
            SignedJWT jwt = new SignedJWT(
                    new JWSHeader.Builder(JWSAlgorithm.RS256)
                            .type(JOSEObjectType.JWT)
                            .keyID(key.getKeyID())
                            .build(),
                    claims);
            jwt.sign(new RSASSASigner(key));
            return jwt.serialize();
        } catch (Exception e) {
            throw new IllegalStateException("Cannot sign a test token", e);
        }
    }

    private static RealmTestKey register(KeycloakServer keycloak) {
        try {
            RSAKey generated = new RSAKeyGenerator(2048).generate();
            KeycloakAdmin admin = KeycloakAdmin.of(keycloak);
            String realmId = (String) MiniJson.parseObject(
                            admin.send("GET", "/admin/realms/" + REALM, null).body())
                    .get("id");
            String pem = "-----BEGIN PRIVATE KEY-----\n"
                    + Base64.getMimeEncoder(64, "\n".getBytes(StandardCharsets.US_ASCII))
                            .encodeToString(generated.toPrivateKey().getEncoded())
                    + "\n-----END PRIVATE KEY-----\n";
            String component = "{\"name\":\"rehab-it-passive-" + UUID.randomUUID() + "\",\"providerId\":\"rsa\","
                    + "\"providerType\":\"org.keycloak.keys.KeyProvider\",\"parentId\":\"" + realmId + "\","
                    + "\"config\":{\"priority\":[\"1\"],\"enabled\":[\"true\"],\"active\":[\"false\"],"
                    + "\"algorithm\":[\"RS256\"],\"privateKey\":[" + jsonString(pem) + "]}}";
            HttpResponse<String> created = admin.send("POST", "/admin/realms/" + REALM + "/components", component);
            if (created.statusCode() != 201) {
                throw new IllegalStateException(
                        "Keycloak refused the test key: " + created.statusCode() + " " + created.body());
            }
            String kid = publishedKid(keycloak, generated);
            log.info("Registered a passive test signing key in realm {} (kid {})", REALM, kid);
            return new RealmTestKey(new RSAKey.Builder(generated).keyID(kid).build());
        } catch (Exception e) {
            throw new IllegalStateException("Cannot register the test signing key in Keycloak: " + e, e);
        }
    }

    /** Keycloak names keys itself: find ours in the realm's JWKS by its modulus. */
    private static String publishedKid(KeycloakServer keycloak, RSAKey generated)
            throws IOException, InterruptedException, ParseException {
        for (int attempt = 0; attempt < 20; attempt++) {
            JWKSet jwks = JWKSet.parse(KeycloakAdmin.send(
                            keycloak, "GET", URI.create(keycloak.jwksUri()).getPath(), null, null)
                    .body());
            for (JWK jwk : jwks.getKeys()) {
                if (jwk instanceof RSAKey rsa && rsa.getModulus().equals(generated.getModulus())) {
                    return rsa.getKeyID();
                }
            }
            Thread.sleep(250);
        }
        throw new IllegalStateException("The test key does not appear in the realm's JWKS " + keycloak.jwksUri());
    }

    private static String jsonString(String s) {
        return "\"" + s.replace("\\", "\\\\").replace("\"", "\\\"").replace("\n", "\\n") + "\"";
    }
}
