package org.rehabfhir.devservices;

import java.io.IOException;
import java.io.InputStream;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.nio.file.Files;
import java.nio.file.Path;
import java.security.GeneralSecurityException;
import java.security.KeyStore;
import java.security.PrivateKey;
import java.security.Signature;
import java.time.Duration;
import java.time.Instant;
import java.util.Base64;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Objects;
import java.util.UUID;
import java.util.stream.Collectors;

/**
 * Development and test only: obtains tokens from a {@link KeycloakServer} with the JDK's HTTP client.
 *
 * <p>The demo clients and users of {@code auth/realm/rehab-realm.json} and their development-only credentials are
 * constants here, so tests need not repeat them.
 */
public final class TokenClient {

    /** Public test client with the password grant. DEVELOPMENT AND TEST ONLY. */
    public static final String TEST_CLI = "rehab-test-cli";

    /** The clinician web app (module clinician-app), a confidential client with the authorization code flow. */
    public static final String CLINICIAN_APP = "rehab-clinician-bff";
    /** DEVELOPMENT ONLY secret of {@link #CLINICIAN_APP}. */
    public static final String CLINICIAN_APP_SECRET = "rehab-clinician-bff-DEV-ONLY-secret";

    /** The FHIR server's own client (token introspection only, no flow). */
    public static final String FHIR_SERVER = "rehab-fhir-server";
    /** DEVELOPMENT ONLY secret of {@link #FHIR_SERVER}: rehab.security.introspection.client-secret of dev and tests. */
    public static final String FHIR_SERVER_SECRET = "rehab-fhir-server-DEV-ONLY-secret";

    public static final String EHR_HOSPITAL = "ehr-demo-hospital";
    /** DEVELOPMENT ONLY secret of {@link #EHR_HOSPITAL}. */
    public static final String EHR_HOSPITAL_SECRET = "ehr-demo-hospital-DEV-ONLY-secret";

    public static final String EHR_JWT = "ehr-demo-jwt";
    /** DEVELOPMENT ONLY key store of {@link #EHR_JWT} (PKCS12, relative to the repository root). */
    public static final String EHR_JWT_KEYSTORE = "auth/realm/dev-only/ehr-demo-jwt.p12";

    public static final String EHR_JWT_KEYSTORE_PASSWORD = "dev-only-changeit";

    public static final String FOREIGN_REALM = "rehab-foreign";
    public static final String FOREIGN_CLIENT = "foreign-client";
    public static final String FOREIGN_CLIENT_SECRET = "foreign-client-DEV-ONLY-secret";

    /** Demo users, DEVELOPMENT ONLY passwords. */
    public static final String ALICE = "alice";

    public static final String ALICE_PASSWORD = "alice-DEV-ONLY-password";
    public static final String BOB = "bob";
    public static final String BOB_PASSWORD = "bob-DEV-ONLY-password";
    public static final String AUDREY = "audrey";
    public static final String AUDREY_PASSWORD = "audrey-DEV-ONLY-password";

    private static final Map<String, String> DEMO_PASSWORDS =
            Map.of(ALICE, ALICE_PASSWORD, BOB, BOB_PASSWORD, AUDREY, AUDREY_PASSWORD);
    /** How long a demo user's login refused while another login of that user is in progress is retried. */
    public static final Duration BUSY_LOGIN_RETRY = Duration.ofSeconds(15);

    private static final Duration BUSY_LOGIN_PAUSE = Duration.ofMillis(250);

    /** The scopes the clinician app requests for a physiotherapist. */
    public static final String PHYSIO_SCOPES =
            "openid user/Patient.rs user/Condition.rs user/CarePlan.crus user/Goal.crus "
                    + "user/Observation.crus user/PlanDefinition.rs user/ActivityDefinition.rs user/CareTeam.rs "
                    + "user/ServiceRequest.rs user/Questionnaire.rs user/QuestionnaireResponse.crus user/DocumentReference.crs";

    /** The scopes the clinician app requests for an auditor. */
    public static final String AUDITOR_SCOPES =
            "openid user/Observation.rs user/CarePlan.rs user/AuditEvent.rs user/Provenance.rs";

    private final KeycloakServer server;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(5)).build();

    TokenClient(KeycloakServer server) {
        this.server = server;
    }

    /** The answer of the token endpoint: its status and its JSON. */
    public record TokenResponse(int status, String body, Map<String, Object> json) {

        public boolean ok() {
            return status == 200 && json.get("access_token") instanceof String;
        }

        /** The access token; fails with the endpoint's answer if there is none. */
        public String accessToken() {
            if (!ok()) {
                throw new IllegalStateException("No access token: HTTP " + status + " " + body);
            }
            return (String) json.get("access_token");
        }

        public String refreshToken() {
            return (String) json.get("refresh_token");
        }

        public String scope() {
            return (String) json.get("scope");
        }

        public String error() {
            return (String) json.get("error");
        }
    }

    // -------------------------------------------------------------------------------------------------- shortcuts

    /** An access token of a demo user (alice, bob, audrey) via the test client, with the scopes of their role. */
    public String userToken(String username) {
        return switch (username) {
            case ALICE -> password(ALICE, ALICE_PASSWORD, PHYSIO_SCOPES).accessToken();
            case BOB -> password(BOB, BOB_PASSWORD, PHYSIO_SCOPES).accessToken();
            case AUDREY -> password(AUDREY, AUDREY_PASSWORD, AUDITOR_SCOPES).accessToken();
            default -> throw new IllegalArgumentException("Not a demo user: " + username);
        };
    }

    /** An access token of {@code ehr-demo-hospital} (client secret) with its contract's default scopes. */
    public String ehrHospitalToken() {
        return clientCredentials(EHR_HOSPITAL, EHR_HOSPITAL_SECRET, null).accessToken();
    }

    /** An access token of {@code ehr-demo-jwt}, authenticated with a signed JWT (private_key_jwt). */
    public String ehrJwtToken() {
        return clientCredentialsPrivateKeyJwt(EHR_JWT, ehrJwtPrivateKey(), null).accessToken();
    }

    /**
     * A well-formed token of another realm ({@code rehab-foreign}: other issuer, other signing key, yet
     * {@code aud=rehab-fhir-server} and role {@code ehr-system}). The FHIR server must reject it.
     */
    public String foreignRealmToken() {
        return post(
                        server.tokenEndpoint(FOREIGN_REALM),
                        form(
                                "grant_type", "client_credentials",
                                "client_id", FOREIGN_CLIENT,
                                "client_secret", FOREIGN_CLIENT_SECRET))
                .accessToken();
    }

    // ---------------------------------------------------------------------------------------------------- grants

    /**
     * Resource owner password grant with the test client {@link #TEST_CLI}; {@code scope} may be null.
     *
     * <p>Keycloak 26 refuses a login of a user while another login of the same user is still in progress, and its
     * brute-force bookkeeping of a login finishes asynchronously, after the token was sent
     * ({@code DefaultBlockingBruteForceProtector}): a second login of that user that reaches another of Keycloak's
     * worker threads in that window is answered {@code invalid_grant} "Invalid user credentials", like a wrong
     * password, although nothing failed and no failure is counted. Tests log the same demo user in back to back,
     * and on a loaded machine the window lasts long enough to be hit. So a demo user's login with that user's own
     * development password, refused that way, is retried for up to {@link #BUSY_LOGIN_RETRY} (a real lockout lasts
     * longer and still fails). Any other refused login (another password, another user) is answered as it is, never
     * retried: retrying a wrong password would count more failures.
     */
    public TokenResponse password(String username, String password, String scope) {
        Map<String, String> form =
                form("grant_type", "password", "client_id", TEST_CLI, "username", username, "password", password);
        if (scope != null) {
            form.put("scope", scope);
        }
        TokenResponse response = post(server.tokenEndpoint(), form);
        boolean demoLogin = password.equals(DEMO_PASSWORDS.get(username));
        long deadline = System.nanoTime() + BUSY_LOGIN_RETRY.toNanos();
        while (demoLogin && "invalid_grant".equals(response.error()) && System.nanoTime() < deadline) {
            pause(BUSY_LOGIN_PAUSE);
            response = post(server.tokenEndpoint(), form);
        }
        return response;
    }

    private static void pause(Duration pause) {
        try {
            Thread.sleep(pause.toMillis());
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** Client credentials grant with a client secret; {@code scope} may be null (the client's default scopes). */
    public TokenResponse clientCredentials(String clientId, String secret, String scope) {
        Map<String, String> form =
                form("grant_type", "client_credentials", "client_id", clientId, "client_secret", secret);
        if (scope != null) {
            form.put("scope", scope);
        }
        return post(server.tokenEndpoint(), form);
    }

    /** Client credentials grant authenticated with an RS256-signed client assertion (RFC 7523, private_key_jwt). */
    public TokenResponse clientCredentialsPrivateKeyJwt(String clientId, PrivateKey key, String scope) {
        Map<String, String> form = form(
                "grant_type",
                "client_credentials",
                "client_id",
                clientId,
                "client_assertion_type",
                "urn:ietf:params:oauth:client-assertion-type:jwt-bearer",
                "client_assertion",
                clientAssertion(clientId, key));
        if (scope != null) {
            form.put("scope", scope);
        }
        return post(server.tokenEndpoint(), form);
    }

    /** Posts any form to the realm's token endpoint (for negative tests). */
    public TokenResponse post(String tokenEndpoint, Map<String, String> form) {
        String body = form.entrySet().stream()
                .map(e -> enc(e.getKey()) + "=" + enc(e.getValue()))
                .collect(Collectors.joining("&"));
        HttpRequest request = HttpRequest.newBuilder(URI.create(tokenEndpoint))
                .timeout(Duration.ofSeconds(30))
                .header("Content-Type", "application/x-www-form-urlencoded")
                .header("Accept", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        try {
            HttpResponse<String> response = http.send(request, HttpResponse.BodyHandlers.ofString());
            Map<String, Object> json;
            try {
                json = MiniJson.parseObject(response.body());
            } catch (IllegalArgumentException notJson) {
                json = Map.of();
            }
            return new TokenResponse(response.statusCode(), response.body(), json);
        } catch (IOException e) {
            throw new IllegalStateException("Token request to " + tokenEndpoint + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    // ------------------------------------------------------------------------------------------------- JWT helpers

    /** The RS256 client assertion for {@code clientId}: iss = sub = client, aud = the realm's issuer, 60 s life. */
    public String clientAssertion(String clientId, PrivateKey key) {
        long now = Instant.now().getEpochSecond();
        String header = "{\"alg\":\"RS256\",\"typ\":\"JWT\"}";
        String claims = "{\"iss\":\"" + clientId + "\",\"sub\":\"" + clientId + "\",\"aud\":\"" + server.issuerUri()
                + "\",\"jti\":\"" + UUID.randomUUID() + "\",\"iat\":" + now + ",\"exp\":" + (now + 60) + "}";
        String signingInput =
                b64(header.getBytes(StandardCharsets.UTF_8)) + "." + b64(claims.getBytes(StandardCharsets.UTF_8));
        try {
            Signature signature = Signature.getInstance("SHA256withRSA");
            signature.initSign(key);
            signature.update(signingInput.getBytes(StandardCharsets.US_ASCII));
            return signingInput + "." + b64(signature.sign());
        } catch (GeneralSecurityException e) {
            throw new IllegalStateException("Cannot sign the client assertion", e);
        }
    }

    /** The DEVELOPMENT ONLY private key of {@link #EHR_JWT} from {@link #EHR_JWT_KEYSTORE}. */
    public static PrivateKey ehrJwtPrivateKey() {
        Path file = KeycloakSettings.repositoryRoot().resolve(EHR_JWT_KEYSTORE);
        try (InputStream in = Files.newInputStream(file)) {
            KeyStore store = KeyStore.getInstance("PKCS12");
            char[] password = EHR_JWT_KEYSTORE_PASSWORD.toCharArray();
            store.load(in, password);
            return (PrivateKey) Objects.requireNonNull(store.getKey(EHR_JWT, password), "no key " + EHR_JWT);
        } catch (IOException | GeneralSecurityException e) {
            throw new IllegalStateException("Cannot read " + file + ": " + e, e);
        }
    }

    /** The claims of a JWT (no signature check: for looking at a token in tests). */
    public static Map<String, Object> claims(String jwt) {
        String[] parts = jwt.split("\\.");
        if (parts.length < 2) {
            throw new IllegalArgumentException("Not a JWT");
        }
        return MiniJson.parseObject(new String(Base64.getUrlDecoder().decode(parts[1]), StandardCharsets.UTF_8));
    }

    private static Map<String, String> form(String... keyValues) {
        Map<String, String> form = new LinkedHashMap<>();
        for (int i = 0; i < keyValues.length; i += 2) {
            form.put(keyValues[i], keyValues[i + 1]);
        }
        return form;
    }

    private static String enc(String s) {
        return URLEncoder.encode(s, StandardCharsets.UTF_8);
    }

    private static String b64(byte[] bytes) {
        return Base64.getUrlEncoder().withoutPadding().encodeToString(bytes);
    }
}
