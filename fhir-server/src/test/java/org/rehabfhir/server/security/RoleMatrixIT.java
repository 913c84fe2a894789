package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.TreeSet;
import java.util.UUID;
import java.util.function.Supplier;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.EnumSource;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Layer 2 over HTTP: role x resource x interaction with real Keycloak tokens. Every cell is run; a granted cell
 * must succeed, a refused one must be 403 with an OperationOutcome and leave the store as it was (nothing created,
 * no new version, nothing deleted, no search result returned).
 */
class RoleMatrixIT extends AbstractFhirServerIT {

    enum Interaction {
        CREATE,
        READ,
        UPDATE,
        DELETE,
        SEARCH
    }

    /** What each caller may do per type: the letters c r u d s (SMART scopes intersected with the realm role). */
    static final Map<Caller, Map<String, String>> GRANTED = new EnumMap<>(Map.of(
            Caller.PHYSIO,
                    Map.of(
                            "Patient",
                            "rs",
                            "Condition",
                            "rs",
                            "Observation",
                            "crus",
                            "CarePlan",
                            "crus",
                            "Goal",
                            "crus"),
            Caller.AUDITOR, Map.of("Observation", "rs", "CarePlan", "rs"),
            Caller.EHR, Map.of("Patient", "crus", "Condition", "crus", "Observation", "crs", "CarePlan", "rs"),
            Caller.EHR_JWT, Map.of("Patient", "crus", "Observation", "crs")));

    static final List<String> CLINICAL_TYPES = List.of("Patient", "Condition", "Observation", "CarePlan", "Goal");

    /** One stored resource of each clinical type (about one patient), seeded as the server. */
    private static Map<String, IIdType> fixtures;

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void seed() {
        store = new StorageProbe(daoRegistry);
        synchronized (RoleMatrixIT.class) {
            if (fixtures == null) {
                IIdType patient = store.store(TestData.patient(TestData.uniqueMrn()));
                String ref = patient.getValue();
                fixtures = Map.of(
                        "Patient", patient,
                        "Condition", store.store(TestData.kneeOsteoarthritis(ref)),
                        "Observation", store.store(TestData.timedUpAndGo(ref, 14.2, "2025-03-01")),
                        "CarePlan", store.store(TestData.carePlan(ref, CarePlan.CarePlanStatus.ACTIVE)),
                        "Goal", store.store(TestData.tugGoal(ref)));
            }
        }
    }

    static Stream<Arguments> cells() {
        List<Arguments> cells = new ArrayList<>();
        for (Caller caller : Caller.values()) {
            for (String type : CLINICAL_TYPES) {
                for (Interaction interaction : Interaction.values()) {
                    cells.add(Arguments.of(caller, type, interaction, granted(caller, type, interaction)));
                }
            }
        }
        return cells.stream();
    }

    @ParameterizedTest(name = "{0} {2} {1}: {3}")
    @MethodSource("cells")
    void roleMatrix(Caller caller, String type, Interaction interaction, boolean granted) {
        IGenericClient client = clientWithToken(caller.token());
        switch (interaction) {
            case CREATE -> checkCreate(client, type, granted);
            case READ -> checkRead(client, type, granted);
            case UPDATE -> checkUpdate(client, type, granted);
            case DELETE -> checkDelete(client, type, granted);
            case SEARCH -> checkSearch(client, type, granted);
        }
    }

    static Stream<Arguments> auditTrailSearch() {
        return Stream.of(
                Arguments.of(Caller.AUDITOR, "AuditEvent", true),
                Arguments.of(Caller.AUDITOR, "Provenance", true),
                Arguments.of(Caller.PHYSIO, "AuditEvent", false),
                Arguments.of(Caller.PHYSIO, "Provenance", false),
                Arguments.of(Caller.EHR, "AuditEvent", false),
                Arguments.of(Caller.EHR, "Provenance", false),
                Arguments.of(Caller.EHR_JWT, "AuditEvent", false),
                Arguments.of(Caller.PHYSIO, "Practitioner", false),
                Arguments.of(Caller.EHR, "CareTeam", true),
                Arguments.of(Caller.EHR, "ServiceRequest", true),
                Arguments.of(Caller.EHR_JWT, "CareTeam", false),
                Arguments.of(Caller.PHYSIO, "CareTeam", true),
                Arguments.of(Caller.PHYSIO, "ServiceRequest", true),
                Arguments.of(Caller.PHYSIO, "Questionnaire", true),
                Arguments.of(Caller.PHYSIO, "QuestionnaireResponse", true),
                Arguments.of(Caller.AUDITOR, "CareTeam", false),
                Arguments.of(Caller.AUDITOR, "ServiceRequest", false),
                Arguments.of(Caller.AUDITOR, "QuestionnaireResponse", false),
                Arguments.of(Caller.PHYSIO, "PlanDefinition", true),
                Arguments.of(Caller.PHYSIO, "ActivityDefinition", true),
                Arguments.of(Caller.EHR, "PlanDefinition", false),
                Arguments.of(Caller.AUDITOR, "PlanDefinition", false));
    }

    @ParameterizedTest(name = "{0} SEARCH {1}: {2}")
    @MethodSource("auditTrailSearch")
    void searchOfTheOtherTypes(Caller caller, String type, boolean granted) {
        checkSearch(clientWithToken(caller.token()), type, granted);
    }

    @ParameterizedTest(name = "{0} READ AuditEvent/<any id>: refused before any lookup")
    @MethodSource("nonAuditors")
    void onlyAuditorsReadAuditEvents(Caller caller) {
        int status = RawHttp.status(() -> clientWithToken(caller.token())
                .read()
                .resource("AuditEvent")
                .withId("any-id")
                .execute());
        assertThat(status).isEqualTo(403);
    }

    static Stream<Caller> nonAuditors() {
        return Stream.of(Caller.PHYSIO, Caller.EHR, Caller.EHR_JWT);
    }

    @Test
    void readWithoutSearchCannotFindByWayOfHas() {
        // alice may search Patient but has no 's' on Provenance: _has:Provenance would reveal who touched whose records
        int status = RawHttp.status(() -> clientWithToken(Caller.PHYSIO.token())
                .search()
                .byUrl("Patient?_has:Provenance:patient:recorded=gt2020-01-01")
                .returnBundle(Bundle.class)
                .execute());
        assertThat(status).isEqualTo(403);
    }

    @Test
    void readWithoutSearchCannotFindByWayOfAChain() {
        // the EHR may search Observation but has no 's' on Goal
        int status = RawHttp.status(() -> clientWithToken(Caller.EHR.token())
                .search()
                .byUrl("Observation?focus:Goal.lifecycle-status=proposed")
                .returnBundle(Bundle.class)
                .execute());
        assertThat(status).isEqualTo(403);
    }

    @Test
    void aTokenWithFewerScopesGetsFewerRights() {
        // alice's role allows Observation crus; a token she asked for with only user/Patient.rs does not.
        String narrow = keycloak()
                .tokens()
                .password("alice", "alice-DEV-ONLY-password", "openid user/Patient.rs")
                .accessToken();
        IGenericClient client = clientWithToken(narrow);
        checkSearch(client, "Patient", true);
        checkSearch(client, "Observation", false);
        checkCreate(client, "Observation", false);
        checkRead(client, "CarePlan", false);
    }

    @Test
    void aScopeBeyondTheRoleGrantsNothing() {
        // alice's role has no Patient create; asking for user/Patient.cruds does not give it to her.
        var response = keycloak()
                .tokens()
                .password("alice", "alice-DEV-ONLY-password", "openid user/Patient.cruds user/Observation.crus");
        if (!response.ok()) {
            // Keycloak refused to issue the scope at all: that is an even stronger no.
            assertThat(response.status()).isBetween(400, 403);
            return;
        }
        IGenericClient client = clientWithToken(response.accessToken());
        checkCreate(client, "Patient", false);
        checkDelete(client, "Patient", false);
        checkSearch(client, "Observation", true);
    }

    // ------------------------------------------------------------------------ operations need scopes, not just a role

    /** The full scopes each user asks for (the clinician app's request; {@code TokenClient}). */
    static final String ALICE_SCOPES = TokenClient.PHYSIO_SCOPES;

    static final String AUDREY_SCOPES = TokenClient.AUDITOR_SCOPES;

    /**
     * Each custom operation: the user whose role lists it, and the scopes of that user's request it reads through
     * (the brief's table, written out here independently of {@code OperationRights}).
     */
    enum Op {
        RECOMMEND_REGIMENS(
                "$recommend-regimens", "alice", "user/Patient.rs", "user/Condition.rs", "user/Observation.crus"),
        APPLY(
                "$apply",
                "alice",
                "user/Patient.rs",
                "user/Condition.rs",
                "user/Observation.crus",
                "user/PlanDefinition.rs"),
        EVALUATE_PROGRESS(
                "$evaluate-progress", "alice", "user/CarePlan.crus", "user/Goal.crus", "user/Observation.crus"),
        SCREEN("$screen", "alice", "user/Patient.rs", "user/Condition.rs", "user/Observation.crus"),
        ACCEPT("$accept", "alice", "user/ServiceRequest.rs", "user/CareTeam.rs"),
        ACTIVATE(
                "$activate",
                "alice",
                "user/CarePlan.crus",
                "user/Goal.crus",
                "user/Patient.rs",
                "user/Condition.rs",
                "user/Observation.crus"),
        RECORD_SESSION("$record-session", "alice", "user/CarePlan.crus", "user/Observation.crus"),
        APPLY_PROGRESS("$apply-progress", "alice", "user/CarePlan.crus", "user/Goal.crus", "user/Observation.crus"),
        HANDOUT("$handout", "alice", "user/CarePlan.crus", "user/Goal.crus", "user/Patient.rs"),
        VERIFY_CHAIN("$verify-chain", "audrey", "user/AuditEvent.rs"),
        ACCESS_LOG("$access-log", "audrey", "user/AuditEvent.rs"),
        REHAB_OUTCOMES("$rehab-outcomes", "audrey", "user/CarePlan.rs", "user/Observation.rs");

        final String name;
        final String user;
        final List<String> needs;

        Op(String name, String user, String... needs) {
            this.name = name;
            this.user = user;
            this.needs = List.of(needs);
        }

        String fullScopes() {
            return "alice".equals(user) ? ALICE_SCOPES : AUDREY_SCOPES;
        }
    }

    /** Per operation: a token with only {@code openid}, then the full scopes without each needed one in turn. */
    static Stream<Arguments> operationsWithoutTheirScopes() {
        List<Arguments> cases = new ArrayList<>();
        for (Op op : Op.values()) {
            cases.add(Arguments.of(op, "openid"));
            for (String missing : op.needs) {
                assertThat(op.fullScopes().split(" "))
                        .as("%s needs a scope of its role", op)
                        .contains(missing);
                String without = Stream.of(op.fullScopes().split(" "))
                        .filter(s -> !s.equals(missing))
                        .reduce((a, b) -> a + " " + b)
                        .orElseThrow();
                cases.add(Arguments.of(op, without));
            }
        }
        return cases.stream();
    }

    @ParameterizedTest(name = "{0} with scopes [{1}]: 403")
    @MethodSource("operationsWithoutTheirScopes")
    void anOperationIsRefusedWhenTheTokenLacksAScopeItReadsThrough(Op op, String scopes) {
        String token = userToken(op.user, scopes);
        HttpResponse<String> response = call(op, token);

        assertThat(response.statusCode()).as("%s %s", op.name, response.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).doesNotContainPattern("\"resourceType\"\\s*:\\s*\"(Parameters|CarePlan|Bundle)\"");
    }

    @ParameterizedTest(name = "{0} with the role's full scopes: allowed")
    @EnumSource(Op.class)
    void anOperationIsAllowedWithTheRoleAndItsScopes(Op op) {
        HttpResponse<String> response = call(op, userToken(op.user, op.fullScopes()));

        // allowed through security (what the engine or audit store answers for these records is their business)
        assertThat(response.statusCode())
                .as("%s %s", op.name, response.body())
                .isNotIn(401, 403)
                .isLessThan(500);
    }

    @Test
    void theReviewersCaseAliceWithOnlyOpenidGetsNeitherThePatientNorItsRecommendation() {
        String token = userToken("alice", "openid");
        RawHttp http = RawHttp.to(root()).bearer(token);
        assertThat(http.get("/fhir/Patient/demo-knee-oa").send().statusCode()).isEqualTo(403);
        assertThat(RawHttp.to(root())
                        .bearer(token)
                        .get("/fhir/Patient/demo-knee-oa/$recommend-regimens")
                        .send()
                        .statusCode())
                .isEqualTo(403);
        assertThat(RawHttp.to(root())
                        .bearer(userToken("audrey", "openid"))
                        .get("/fhir/Patient/demo-knee-oa/$access-log")
                        .send()
                        .statusCode())
                .isEqualTo(403);
    }

    private HttpResponse<String> call(Op op, String token) {
        String patient = "demo-knee-oa";
        String carePlan = "/fhir/CarePlan/" + fixtures.get("CarePlan").getIdPart();
        String path =
                switch (op) {
                    case RECOMMEND_REGIMENS -> "/fhir/Patient/" + patient + "/$recommend-regimens";
                    case APPLY -> "/fhir/PlanDefinition/" + planDefinitionId() + "/$apply?subject=Patient/" + patient;
                    case EVALUATE_PROGRESS -> carePlan + "/$evaluate-progress";
                    case SCREEN -> "/fhir/Patient/" + patient + "/$screen";
                    case ACCEPT -> "/fhir/" + referralToAlice().getValue() + "/$accept";
                    case ACTIVATE -> carePlan + "/$activate";
                    case RECORD_SESSION -> carePlan + "/$record-session";
                    case APPLY_PROGRESS -> carePlan + "/$apply-progress";
                    case HANDOUT -> carePlan + "/$handout";
                    case VERIFY_CHAIN -> "/fhir/AuditEvent/$verify-chain";
                    case ACCESS_LOG -> "/fhir/Patient/" + patient + "/$access-log";
                    case REHAB_OUTCOMES -> "/fhir/$rehab-outcomes";
                };
        boolean post =
                switch (op) {
                    case ACCEPT, ACTIVATE, RECORD_SESSION, APPLY_PROGRESS -> true;
                    default -> false;
                };
        RawHttp http = RawHttp.to(root()).bearer(token);
        return (post ? http.post(path, RawHttp.FHIR_JSON, "{\"resourceType\":\"Parameters\"}") : http.get(path)).send();
    }

    private static IIdType referralToAlice;

    /** An active referral of the fixture patient to alice (stored as the server). */
    private IIdType referralToAlice() {
        synchronized (RoleMatrixIT.class) {
            if (referralToAlice == null) {
                org.hl7.fhir.r4.model.ServiceRequest referral = new org.hl7.fhir.r4.model.ServiceRequest();
                referral.setStatus(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestStatus.ACTIVE);
                referral.setIntent(org.hl7.fhir.r4.model.ServiceRequest.ServiceRequestIntent.ORDER);
                referral.setSubject(new Reference(fixtures.get("Patient").getValue()));
                referral.addPerformer(new Reference("Practitioner/alice"));
                referralToAlice = store.store(referral);
            }
            return referralToAlice;
        }
    }

    private static String planDefinitionId;

    /** A PlanDefinition of the catalogue (looked up as the server: this is not what is tested). */
    private String planDefinitionId() {
        synchronized (RoleMatrixIT.class) {
            if (planDefinitionId == null) {
                Bundle found = clientWithToken(Caller.PHYSIO.token())
                        .search()
                        .forResource("PlanDefinition")
                        .count(1)
                        .returnBundle(Bundle.class)
                        .execute();
                planDefinitionId = found.getEntry().isEmpty()
                        ? "no-such-plan"
                        : found.getEntryFirstRep().getResource().getIdElement().getIdPart();
            }
            return planDefinitionId;
        }
    }

    private static String userToken(String user, String scopes) {
        TokenClient.TokenResponse response = keycloak().tokens().password(user, user + "-DEV-ONLY-password", scopes);
        assertThat(response.ok())
                .as("token for %s [%s]: %s", user, scopes, response.body())
                .isTrue();
        return response.accessToken();
    }

    // ------------------------------------------------------------------ OperationDefinitions the server points to

    /**
     * Every OperationDefinition of this server the CapabilityStatement references ({@code OperationDefinition/<id>},
     * relative or under this server's base), as ids.
     */
    private List<String> advertisedOperationDefinitions() {
        CapabilityStatement cs =
                anonymous().capabilities().ofType(CapabilityStatement.class).execute();
        List<String> definitions = new ArrayList<>();
        for (CapabilityStatement.CapabilityStatementRestComponent rest : cs.getRest()) {
            rest.getOperation().forEach(o -> definitions.add(o.getDefinition()));
            rest.getResource().forEach(r -> r.getOperation().forEach(o -> definitions.add(o.getDefinition())));
        }
        Set<String> ids = new TreeSet<>();
        for (String definition : definitions) {
            if (definition == null) {
                continue;
            }
            String local = definition.startsWith(baseUrl() + "/")
                    ? definition.substring(baseUrl().length() + 1)
                    : definition;
            if (local.startsWith("OperationDefinition/") && local.indexOf('/', "OperationDefinition/".length()) < 0) {
                ids.add(local.substring("OperationDefinition/".length()));
            }
        }
        assertThat(ids)
                .as("definitions advertised: %s", definitions)
                .contains("PlanDefinition-i-apply", "CarePlan-i-evaluate-progress");
        return new ArrayList<>(ids);
    }

    static Stream<Arguments> everyCaller() {
        return Stream.of(
                Arguments.of("alice (physiotherapist)", (Supplier<String>) Caller.PHYSIO::token),
                Arguments.of("audrey (auditor)", (Supplier<String>) Caller.AUDITOR::token),
                Arguments.of("ehr-demo-hospital (ehr-system)", (Supplier<String>) Caller.EHR::token),
                Arguments.of("ehr-demo-jwt (ehr-system)", (Supplier<String>) Caller.EHR_JWT::token),
                Arguments.of("alice, openid only", (Supplier<String>) () -> userToken("alice", "openid")),
                Arguments.of("audrey, openid only", (Supplier<String>) () -> userToken("audrey", "openid")));
    }

    @ParameterizedTest(name = "{0} reads every advertised OperationDefinition")
    @MethodSource("everyCaller")
    void everyAuthenticatedCallerReadsTheAdvertisedOperationDefinitions(String who, Supplier<String> token) {
        List<String> ids = advertisedOperationDefinitions();
        String bearer = token.get();
        for (String id : ids) {
            HttpResponse<String> response = RawHttp.to(root())
                    .bearer(bearer)
                    .get("/fhir/OperationDefinition/" + id)
                    .send();
            assertThat(response.statusCode())
                    .as("%s: OperationDefinition/%s %s", who, id, response.body())
                    .isEqualTo(200);
            assertThat(response.body()).containsPattern("\"resourceType\"\\s*:\\s*\"OperationDefinition\"");
        }
    }

    @ParameterizedTest(name = "{0} may not search or write OperationDefinitions")
    @MethodSource("everyCaller")
    void operationDefinitionsAreReadOnlyAndNotSearchable(String who, Supplier<String> token) {
        String bearer = token.get();
        assertThat(RawHttp.to(root())
                        .bearer(bearer)
                        .get("/fhir/OperationDefinition")
                        .send()
                        .statusCode())
                .as("search")
                .isEqualTo(403);
        assertThat(RawHttp.to(root())
                        .bearer(bearer)
                        .get("/fhir/OperationDefinition?name=apply")
                        .send()
                        .statusCode())
                .as("search by name")
                .isEqualTo(403);
        assertThat(RawHttp.to(root())
                        .bearer(bearer)
                        .get("/fhir/OperationDefinition/PlanDefinition-i-apply/_history")
                        .send()
                        .statusCode())
                .as("history")
                .isEqualTo(403);
        String body = "{\"resourceType\":\"OperationDefinition\",\"status\":\"draft\",\"kind\":\"operation\","
                + "\"name\":\"Injected\",\"code\":\"injected\",\"system\":true,\"type\":false,\"instance\":false}";
        assertThat(RawHttp.to(root())
                        .bearer(bearer)
                        .post("/fhir/OperationDefinition", RawHttp.FHIR_JSON, body)
                        .send()
                        .statusCode())
                .as("create")
                .isEqualTo(403);
        assertThat(RawHttp.to(root())
                        .bearer(bearer)
                        .put(
                                "/fhir/OperationDefinition/PlanDefinition-i-apply",
                                RawHttp.FHIR_JSON,
                                body.replace("{", "{\"id\":\"PlanDefinition-i-apply\","))
                        .send()
                        .statusCode())
                .as("update")
                .isEqualTo(403);
        assertThat(RawHttp.to(root())
                        .bearer(bearer)
                        .delete("/fhir/OperationDefinition/PlanDefinition-i-apply")
                        .send()
                        .statusCode())
                .as("delete")
                .isEqualTo(403);
    }

    @Test
    void anonymousCallersDoNotReadOperationDefinitions() {
        assertThat(RawHttp.to(root())
                        .get("/fhir/OperationDefinition/PlanDefinition-i-apply")
                        .send()
                        .statusCode())
                .isEqualTo(401);
    }

    private String root() {
        return "http://localhost:" + port;
    }

    // ------------------------------------------------------------------------------------------------ the cells

    private void checkCreate(IGenericClient client, String type, boolean granted) {
        String marker = UUID.randomUUID().toString();
        Resource resource = marked(newResource(type), marker);
        int status = RawHttp.status(() -> client.create().resource(resource).execute());
        if (granted) {
            assertThat(status).isEqualTo(201);
            assertThat(store.countMarked(type, marker)).isEqualTo(1);
        } else {
            assertThat(status).isEqualTo(403);
            assertThat(store.countMarked(type, marker))
                    .as("stored although refused")
                    .isZero();
        }
    }

    private void checkRead(IGenericClient client, String type, boolean granted) {
        IIdType id = fixtures.get(type);
        Resource[] read = new Resource[1];
        int status = RawHttp.status(() -> read[0] =
                (Resource) client.read().resource(type).withId(id.getIdPart()).execute());
        if (granted) {
            assertThat(status).isEqualTo(200);
            assertThat(read[0].getIdElement().getIdPart()).isEqualTo(id.getIdPart());
        } else {
            assertThat(status).isEqualTo(403);
            assertThat(read[0]).isNull();
        }
    }

    private void checkUpdate(IGenericClient client, String type, boolean granted) {
        IIdType id = fixtures.get(type);
        synchronized (RoleMatrixIT.class) {
            String before = store.version(id);
            Resource changed = changed((Resource) store.read(id));
            int status = RawHttp.status(() -> client.update().resource(changed).execute());
            if (granted) {
                assertThat(status).isEqualTo(200);
                assertThat(store.version(id)).isNotEqualTo(before);
            } else {
                assertThat(status).isEqualTo(403);
                assertThat(store.version(id)).as("changed although refused").isEqualTo(before);
            }
        }
    }

    private void checkDelete(IGenericClient client, String type, boolean granted) {
        assertThat(granted).as("nobody may delete").isFalse();
        IIdType id = fixtures.get(type);
        String before = store.version(id);
        int status = RawHttp.status(() -> client.delete().resourceById(id).execute());
        assertThat(status).isEqualTo(403);
        assertThat(store.exists(id)).as("deleted although refused").isTrue();
        assertThat(store.version(id)).isEqualTo(before);
    }

    private void checkSearch(IGenericClient client, String type, boolean granted) {
        Bundle[] page = new Bundle[1];
        int status = RawHttp.status(() -> page[0] = client.search()
                .forResource(type)
                .count(5)
                .returnBundle(Bundle.class)
                .execute());
        if (granted) {
            assertThat(status).isEqualTo(200);
            assertThat(page[0].getType()).isEqualTo(Bundle.BundleType.SEARCHSET);
        } else {
            assertThat(status).isEqualTo(403);
            assertThat(page[0]).isNull();
        }
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private static boolean granted(Caller caller, String type, Interaction interaction) {
        String letters = GRANTED.get(caller).getOrDefault(type, "");
        return letters.indexOf(Character.toLowerCase(interaction.name().charAt(0))) >= 0;
    }

    private Resource newResource(String type) {
        String patient = fixtures.get("Patient").getValue();
        return switch (type) {
            case "Patient" -> TestData.patient(TestData.uniqueMrn());
            case "Condition" -> TestData.kneeOsteoarthritis(patient);
            case "Observation" -> TestData.painScore(patient, 3, "2025-03-02");
            case "CarePlan" -> TestData.carePlan(patient, CarePlan.CarePlanStatus.DRAFT);
            case "Goal" -> TestData.tugGoal(patient);
            default -> throw new IllegalArgumentException(type);
        };
    }

    private static Resource marked(Resource resource, String marker) {
        Identifier id = new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker);
        if (resource instanceof Patient p) {
            p.addIdentifier(id);
        } else if (resource instanceof Condition c) {
            c.addIdentifier(id);
        } else if (resource instanceof Observation o) {
            o.addIdentifier(id);
        } else if (resource instanceof CarePlan c) {
            c.addIdentifier(id);
        } else if (resource instanceof Goal g) {
            g.addIdentifier(id);
        } else {
            throw new IllegalArgumentException(resource.fhirType());
        }
        return resource;
    }

    private static Resource changed(Resource resource) {
        Annotation note = new Annotation().setText("checked " + UUID.randomUUID());
        if (resource instanceof Patient p) {
            p.getNameFirstRep().setFamily("Test" + UUID.randomUUID().toString().substring(0, 6));
        } else if (resource instanceof Condition c) {
            c.addNote(note);
        } else if (resource instanceof Observation o) {
            o.addNote(note);
        } else if (resource instanceof CarePlan c) {
            c.addNote(note);
        } else if (resource instanceof Goal g) {
            g.addNote(note);
        } else {
            throw new IllegalArgumentException(resource.fhirType());
        }
        return resource;
    }
}
