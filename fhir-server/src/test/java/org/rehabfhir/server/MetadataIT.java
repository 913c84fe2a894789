package org.rehabfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rehabfhir.auth.smart.Permission;
import org.rehabfhir.auth.smart.RoleRights;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;

class MetadataIT extends AbstractFhirServerIT {

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Test
    void capabilityStatementIsPublicAndDescribesAnR4ServerWithTheClinicalResources() {
        CapabilityStatement cs =
                anonymous().capabilities().ofType(CapabilityStatement.class).execute();

        assertThat(cs.getFhirVersion().toCode()).isEqualTo("4.0.1");
        assertThat(cs.getRestFirstRep().getResource())
                .extracting(r -> r.getType())
                .contains(
                        "Patient",
                        "Condition",
                        "CarePlan",
                        "Goal",
                        "Observation",
                        "PlanDefinition",
                        "ActivityDefinition",
                        "Practitioner",
                        "CareTeam",
                        "AuditEvent",
                        "Provenance");
    }

    @Test
    void capabilityStatementListsOnlyWhatSomeRoleMayDo() {
        CapabilityStatement cs =
                anonymous().capabilities().ofType(CapabilityStatement.class).execute();
        CapabilityStatement.CapabilityStatementRestComponent rest = cs.getRestFirstRep();
        Map<String, Set<Permission>> offered = RoleRights.anyRole();

        assertThat(rest.getResource())
                .extracting(CapabilityStatementRestResourceComponent::getType)
                .doesNotContain("Claim", "ExplanationOfBenefit", "Immunization")
                .contains("Subscription", "Group", "Binary") // the EHR's REST hooks, export cohorts and export files
                .allSatisfy(type -> assertThat(offered.containsKey(type) || type.equals("OperationDefinition"))
                        .as(type)
                        .isTrue());
        for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
            Set<String> interactions = resource.getInteraction().stream()
                    .map(i -> i.getCode().toCode())
                    .collect(Collectors.toSet());
            Set<Permission> may = offered.getOrDefault(resource.getType(), Set.of(Permission.READ));
            assertThat(interactions).as(resource.getType()).doesNotContain("delete");
            assertThat(interactions.contains("create"))
                    .as(resource.getType() + " create")
                    .isEqualTo(may.contains(Permission.CREATE));
            assertThat(interactions.contains("search-type"))
                    .as(resource.getType() + " search")
                    .isEqualTo(may.contains(Permission.SEARCH));
            assertThat(interactions.contains("update"))
                    .as(resource.getType() + " update")
                    .isEqualTo(may.contains(Permission.UPDATE));
        }
        // Observation: physiotherapists update it, the EHR creates it; Goal is a physiotherapist's; AuditEvent read
        // only
        assertThat(interactionsOf(rest, "AuditEvent"))
                .contains("read", "search-type")
                .isSubsetOf("read", "vread", "history-instance", "search-type", "history-type");

        List<String> operations = new ArrayList<>();
        rest.getOperation().forEach(o -> operations.add(o.getName()));
        rest.getResource().forEach(r -> r.getOperation().forEach(o -> operations.add(o.getName())));
        Set<String> allowed =
                RoleRights.anyRoleOperations().stream().map(o -> o.substring(1)).collect(Collectors.toSet());
        assertThat(operations)
                .isNotEmpty()
                .allSatisfy(o -> assertThat(allowed).contains(o.replace("$", "")))
                .doesNotContain(
                        "expunge",
                        "$expunge",
                        "reindex",
                        "$reindex",
                        "merge",
                        "$merge",
                        "replace-references",
                        "$replace-references",
                        "meta",
                        "$meta",
                        "validate",
                        "$validate",
                        "get-resource-counts");
        assertThat(rest.getInteraction())
                .extracting(i -> i.getCode().toCode())
                .contains("transaction")
                .isSubsetOf("transaction", "batch");
    }

    private static Set<String> interactionsOf(CapabilityStatement.CapabilityStatementRestComponent rest, String type) {
        return rest.getResource().stream()
                .filter(r -> r.getType().equals(type))
                .findFirst()
                .orElseThrow()
                .getInteraction()
                .stream()
                .map(i -> i.getCode().toCode())
                .collect(Collectors.toSet());
    }

    /**
     * HAPI's administrative operations, whatever the token: those HAPI's JPA server registers are refused to every
     * role (403); those it does not register here (merge, replace-references, the batch reindex, diff, messaging) are
     * not offered at all (400, "does not know how to handle").
     */
    @ParameterizedTest
    @CsvSource({
        "POST, /$expunge, 403",
        "POST, /Patient/demo-knee-oa/$expunge, 403",
        "POST, /Observation/$expunge, 403",
        "POST, /$mark-all-resources-for-reindexing, 403",
        "POST, /$perform-reindexing-pass, 403",
        "GET, /$get-resource-counts, 403",
        "GET, /$meta, 403",
        "GET, /Patient/demo-knee-oa/$meta, 403",
        "POST, /Patient/demo-knee-oa/$meta-add, 403",
        "POST, /Patient/demo-knee-oa/$meta-delete, 403",
        "POST, /Patient/$validate, 403",
        "POST, /$reindex, 400",
        "POST, /Patient/$merge, 400",
        "POST, /$replace-references, 400",
        "GET, /$diff, 400",
        "POST, /$process-message, 400"
    })
    void hapiAdministrativeOperationsAreRefusedToEveryRole(String method, String path, int expected) throws Exception {
        Map<String, Supplier<String>> callers = Map.of(
                "ehr-system", Tokens::ehr,
                "physiotherapist", () -> Tokens.user("alice"),
                "auditor", () -> Tokens.user("audrey"));
        for (Map.Entry<String, Supplier<String>> caller : callers.entrySet()) {
            HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(baseUrl() + path))
                    .header("Authorization", "Bearer " + caller.getValue().get())
                    .header("Accept", "application/fhir+json");
            if (method.equals("POST")) {
                request.header("Content-Type", "application/fhir+json")
                        .POST(HttpRequest.BodyPublishers.ofString("{\"resourceType\":\"Parameters\"}"));
            }
            HttpResponse<String> response = HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
            assertThat(response.statusCode())
                    .as("%s %s %s: %s", caller.getKey(), method, path, response.body())
                    .isEqualTo(expected);
            assertThat(response.body()).contains("OperationOutcome");
        }
    }

    @Test
    void theOpenApiDescriptionAndSwaggerUiArePublicAndFollowTheCapabilityStatement() throws Exception {
        HttpResponse<String> docs = HTTP.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/api-docs")).build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(docs.statusCode()).as(docs.body()).isEqualTo(200);
        assertThat(docs.headers().firstValue("Content-Type"))
                .hasValueSatisfying(t -> assertThat(t).contains("yaml"));
        JsonNode openApi = io.swagger.v3.core.util.Yaml.mapper().readTree(docs.body());
        assertThat(openApi.path("openapi").asText()).startsWith("3.");
        List<String> paths = new ArrayList<>();
        openApi.path("paths").fieldNames().forEachRemaining(paths::add);
        assertThat(paths)
                .contains("/Patient", "/Patient/{id}", "/Patient/{id}/$recommend-regimens")
                .noneMatch(p -> p.contains("$expunge")
                        || p.contains("$meta")
                        || p.contains("$reindex")
                        || p.startsWith("/Claim"));
        assertThat(openApi.path("paths").path("/Patient/{id}").has("delete")).isFalse();
        assertThat(openApi.path("components")
                        .path("securitySchemes")
                        .path("bearer")
                        .path("scheme")
                        .asText())
                .isEqualTo("bearer");

        HttpResponse<String> ui = HTTP.send(
                HttpRequest.newBuilder(URI.create(baseUrl() + "/swagger-ui/"))
                        .header("Accept", "text/html")
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(ui.statusCode()).isEqualTo(200);
        assertThat(ui.body()).contains("swagger-ui");
    }
}
