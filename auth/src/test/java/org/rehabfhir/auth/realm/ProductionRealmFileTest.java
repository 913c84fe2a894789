package org.rehabfhir.auth.realm;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.nio.file.Files;
import java.nio.file.Path;
import java.util.ArrayList;
import java.util.List;
import java.util.TreeSet;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;

/**
 * Finding 16 (issue 10): production files never load development users. The compose file imports
 * {@code auth/realm/production/rehab-realm.json} by default, which has no person users, no credentials, no
 * password-grant or demo clients and no client secrets, and keeps the development realm's security settings and
 * SMART scopes (regenerate it with {@code auth/realm/production/make-production-realm.py}).
 */
class ProductionRealmFileTest {

    static JsonNode production;
    static JsonNode development;
    static Path root;

    @BeforeAll
    static void read() throws IOException {
        root = Files.exists(Path.of("realm")) ? Path.of("..") : Path.of(".");
        ObjectMapper json = new ObjectMapper();
        production = json.readTree(
                root.resolve("auth/realm/production/rehab-realm.json").toFile());
        development = json.readTree(root.resolve("auth/realm/rehab-realm.json").toFile());
    }

    @Test
    void noPersonUsersNoCredentialsNoDevSecrets() throws IOException {
        for (JsonNode user : production.path("users")) {
            assertThat(user.has("serviceAccountClientId"))
                    .as("user " + user.path("username"))
                    .isTrue();
            assertThat(user.has("credentials")).isFalse();
        }
        String text = Files.readString(root.resolve("auth/realm/production/rehab-realm.json"));
        assertThat(text)
                .doesNotContain("DEV-ONLY")
                .doesNotContain("\"secret\"")
                .doesNotContain("localhost")
                .doesNotContain("\"username\": \"alice\"")
                .doesNotContain("\"username\": \"audrey\"");
    }

    @Test
    void noPasswordGrantNoDemoClients() {
        for (JsonNode client : production.path("clients")) {
            String id = client.path("clientId").asText();
            assertThat(id).isNotIn("rehab-test-cli", "ehr-demo-hospital", "ehr-demo-jwt");
            assertThat(client.path("directAccessGrantsEnabled").asBoolean())
                    .as(id)
                    .isFalse();
            assertThat(client.path("implicitFlowEnabled").asBoolean()).as(id).isFalse();
        }
    }

    @Test
    void sameSecuritySettingsAndScopesAsTheDevelopmentRealm() {
        for (String setting : List.of(
                "bruteForceProtected",
                "failureFactor",
                "accessTokenLifespan",
                "eventsEnabled",
                "eventsExpiration",
                "adminEventsEnabled",
                "adminEventsDetailsEnabled",
                "passwordPolicy",
                "sslRequired",
                "defaultSignatureAlgorithm",
                "roles")) {
            assertThat(production.path(setting))
                    .as(setting + " (run make-production-realm.py)")
                    .isEqualTo(development.path(setting));
        }
        assertThat(names(production.path("clientScopes")))
                .as("client scopes (run make-production-realm.py)")
                .isEqualTo(names(development.path("clientScopes")));
    }

    @Test
    void composeImportsTheProductionRealm() throws IOException {
        String compose = Files.readString(root.resolve("deploy/compose/compose.yaml"));
        String env = Files.readString(root.resolve("deploy/compose/.env.example"));

        assertThat(compose)
                .contains("${REHAB_REALM_FILE:-../../auth/realm/production/rehab-realm.json}")
                .doesNotContain("REHAB_REALM_FILE:-../../auth/realm/rehab-realm.json");
        assertThat(env).contains("REHAB_REALM_FILE=../../auth/realm/production/rehab-realm.json");
    }

    private static TreeSet<String> names(JsonNode scopes) {
        List<String> out = new ArrayList<>();
        scopes.forEach(s -> out.add(s.path("name").asText()));
        return new TreeSet<>(out);
    }
}
