package org.rehabfhir.server.security;

import java.io.IOException;
import java.net.URI;
import java.net.URLEncoder;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.MiniJson;

/**
 * The test Keycloak's admin REST API (master realm's development-only admin, {@code admin-cli}): what the tests
 * need to change in realm {@code rehab} while it runs, such as a passive signing key or a throw-away user to
 * disable, delete or take a role from. Never touches the demo users.
 */
final class KeycloakAdmin {

    static final String REALM = "rehab";

    private final KeycloakServer keycloak;
    private final String token;

    private KeycloakAdmin(KeycloakServer keycloak, String token) {
        this.keycloak = keycloak;
        this.token = token;
    }

    /** Signs in as the master realm's development admin (a token lives a minute: use it right away). */
    static KeycloakAdmin of(KeycloakServer keycloak) throws IOException, InterruptedException {
        String form = "grant_type=password&client_id=admin-cli&username="
                + URLEncoder.encode(KeycloakServer.DEV_ADMIN_USER, StandardCharsets.UTF_8) + "&password="
                + URLEncoder.encode(KeycloakServer.DEV_ADMIN_PASSWORD, StandardCharsets.UTF_8);
        HttpResponse<String> response = HttpClient.newHttpClient()
                .send(
                        HttpRequest.newBuilder(URI.create(keycloak.tokenEndpoint("master")))
                                .header("Content-Type", "application/x-www-form-urlencoded")
                                .POST(HttpRequest.BodyPublishers.ofString(form))
                                .build(),
                        HttpResponse.BodyHandlers.ofString());
        Object token = MiniJson.parseObject(response.body()).get("access_token");
        if (token == null) {
            throw new IllegalStateException("No admin token: " + response.statusCode() + " " + response.body());
        }
        return new KeycloakAdmin(keycloak, (String) token);
    }

    /** {@code method} on {@code path} (under Keycloak's base URL) with the admin token and an optional JSON body. */
    HttpResponse<String> send(String method, String path, String json) throws IOException, InterruptedException {
        return send(keycloak, method, path, token, json);
    }

    static HttpResponse<String> send(KeycloakServer keycloak, String method, String path, String bearer, String json)
            throws IOException, InterruptedException {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(keycloak.baseUrl() + path))
                .timeout(Duration.ofSeconds(30))
                .method(
                        method,
                        json == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(json));
        if (json != null) {
            request.header("Content-Type", "application/json");
        }
        if (bearer != null) {
            request.header("Authorization", "Bearer " + bearer);
        }
        return HttpClient.newHttpClient().send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /**
     * A new user of realm {@code rehab} with the given realm role and a password (development only), fully set up
     * so that the password grant of {@code rehab-test-cli} works. Returns its id.
     */
    String createUser(String username, String password, String realmRole) throws IOException, InterruptedException {
        String body = "{\"username\":\"" + username + "\",\"enabled\":true,\"emailVerified\":true,"
                + "\"firstName\":\"Test\",\"lastName\":\"User\",\"email\":\"" + username + "@rehab.example\","
                + "\"credentials\":[{\"type\":\"password\",\"value\":\"" + password + "\",\"temporary\":false}]}";
        expect(send("POST", users(), body), 201);
        String id = (String)
                ((Map<?, ?>) ((List<?>) MiniJson.parse(send("GET", users() + "?exact=true&username=" + username, null)
                                        .body()))
                                .get(0))
                        .get("id");
        String role = send("GET", "/admin/realms/" + REALM + "/roles/" + realmRole, null)
                .body();
        expect(send("POST", users() + "/" + id + "/role-mappings/realm", "[" + role + "]"), 204);
        return id;
    }

    void disable(String userId) throws IOException, InterruptedException {
        expect(send("PUT", users() + "/" + userId, "{\"enabled\":false}"), 204);
    }

    void delete(String userId) throws IOException, InterruptedException {
        expect(send("DELETE", users() + "/" + userId, null), 204);
    }

    void removeRealmRole(String userId, String realmRole) throws IOException, InterruptedException {
        String role = send("GET", "/admin/realms/" + REALM + "/roles/" + realmRole, null)
                .body();
        expect(send("DELETE", users() + "/" + userId + "/role-mappings/realm", "[" + role + "]"), 204);
    }

    /** A throw-away user name. */
    static String uniqueUsername(String prefix) {
        return prefix + "-" + UUID.randomUUID().toString().substring(0, 8);
    }

    private static String users() {
        return "/admin/realms/" + REALM + "/users";
    }

    private static void expect(HttpResponse<String> response, int status) {
        if (response.statusCode() != status) {
            throw new IllegalStateException(
                    "Keycloak admin API: " + response.request().method() + " "
                            + response.request().uri() + " answered " + response.statusCode() + " " + response.body());
        }
    }
}
