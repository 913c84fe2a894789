package org.rehabfhir.auth.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EffectiveRightsTest {

    static final String PHYSIO_SCOPES = "user/Patient.rs user/Condition.rs user/CarePlan.crus user/Goal.crus "
            + "user/Observation.crus user/PlanDefinition.rs user/ActivityDefinition.rs user/CareTeam.rs "
            + "user/ServiceRequest.rs user/Questionnaire.rs user/QuestionnaireResponse.crus user/DocumentReference.crs";
    static final String AUDITOR_SCOPES = "user/Observation.rs user/CarePlan.rs user/AuditEvent.rs user/Provenance.rs";
    static final String HOSPITAL_SCOPES =
            "system/Patient.crus system/Condition.crus system/Observation.crs system/CarePlan.rs "
                    + "system/ServiceRequest.crus system/CareTeam.crus";

    static EffectiveRights rights(String scopes, String... roles) {
        return EffectiveRights.of(SmartScope.parseAll(scopes), List.of(roles), null);
    }

    static String letters(EffectiveRights rights, String type) {
        return Permission.letters(rights.rights().getOrDefault(type, Set.of()));
    }

    @Test
    void physiotherapistGetsExactlyTheBriefsGrants() {
        EffectiveRights r = rights(PHYSIO_SCOPES, "physiotherapist");
        assertThat(r.rights()).hasSize(12);
        assertThat(letters(r, "Patient")).isEqualTo("rs");
        assertThat(letters(r, "Condition")).isEqualTo("rs");
        assertThat(letters(r, "CarePlan")).isEqualTo("crus");
        assertThat(letters(r, "Goal")).isEqualTo("crus");
        assertThat(letters(r, "Observation")).isEqualTo("crus");
        assertThat(letters(r, "PlanDefinition")).isEqualTo("rs");
        assertThat(letters(r, "ActivityDefinition")).isEqualTo("rs");
        assertThat(letters(r, "CareTeam")).isEqualTo("rs");
        assertThat(letters(r, "ServiceRequest")).isEqualTo("rs");
        assertThat(letters(r, "Questionnaire")).isEqualTo("rs");
        assertThat(letters(r, "QuestionnaireResponse")).isEqualTo("crus");
        assertThat(letters(r, "DocumentReference")).isEqualTo("crs");
        assertThat(r.operations())
                .containsExactly(
                        "$apply",
                        "$recommend-regimens",
                        "$evaluate-progress",
                        "$screen",
                        "$accept",
                        "$activate",
                        "$record-session",
                        "$apply-progress",
                        "$handout");
    }

    @Test
    void scopesNeverExceedTheRole() {
        // a physiotherapist asking for everything gets the role's table, without delete
        EffectiveRights r = rights("user/*.cruds user/AuditEvent.rs system/*.cruds", "physiotherapist");
        assertThat(r.rights()).isEqualTo(RoleRights.resources(RehabRole.PHYSIOTHERAPIST));
        assertThat(r.allows("AuditEvent", Permission.READ)).isFalse();
        for (RehabRole role : RehabRole.values()) {
            EffectiveRights all = rights("user/*.* system/*.* user/*.write", role.roleName());
            all.rights().forEach((type, p) -> assertThat(RoleRights.maximum(role, type))
                    .containsAll(p));
        }
    }

    @Test
    void scopesOnlyNarrow() {
        EffectiveRights r = rights("user/Observation.rs", "physiotherapist");
        assertThat(r.rights()).isEqualTo(Map.of("Observation", Set.of(Permission.READ, Permission.SEARCH)));
        assertThat(r.allows("Observation", Permission.CREATE)).isFalse();
        assertThat(r.allows("Patient", Permission.READ)).isFalse();
    }

    @Test
    void auditorNeverWrites() {
        EffectiveRights r = rights(PHYSIO_SCOPES + " " + AUDITOR_SCOPES + " user/*.cruds", "auditor");
        r.rights().forEach((type, p) -> assertThat(p).isSubsetOf(Permission.READ, Permission.SEARCH));
        assertThat(r.rights().keySet())
                .containsExactlyInAnyOrder("Observation", "CarePlan", "AuditEvent", "Provenance", "Binary");
        assertThat(r.rights().get("Binary")).containsExactly(Permission.READ); // its own export files
        assertThat(r.operations())
                .containsExactly("$verify-chain", "$access-log", "$rehab-outcomes", "$export", "$export-poll-status");
    }

    @Test
    void nobodyDeletes() {
        for (RehabRole role : RehabRole.values()) {
            EffectiveRights r = rights("user/*.cruds system/*.cruds user/*.write system/*.write", role.roleName());
            r.rights().values().forEach(p -> assertThat(p).doesNotContain(Permission.DELETE));
            RoleRights.resources(role).values().forEach(p -> assertThat(p).doesNotContain(Permission.DELETE));
        }
    }

    @Test
    void ehrSystemGetsOnlyItsContractAndOnlySystemScopes() {
        EffectiveRights r = rights(HOSPITAL_SCOPES, "ehr-system");
        assertThat(letters(r, "Patient")).isEqualTo("crus");
        assertThat(letters(r, "Condition")).isEqualTo("crus");
        assertThat(letters(r, "Observation")).isEqualTo("crs");
        assertThat(letters(r, "CarePlan")).isEqualTo("rs");
        assertThat(letters(r, "ServiceRequest")).isEqualTo("crus");
        assertThat(letters(r, "CareTeam")).isEqualTo("crus");
        // $everything reads the patient; Bulk Data export needs the files' Binary too
        assertThat(r.operations()).containsExactly("$everything");
        assertThat(rights(HOSPITAL_SCOPES + " system/Binary.r", "ehr-system").operations())
                .containsExactlyInAnyOrder("$export", "$export-poll-status", "$everything");
        assertThat(rights("system/Observation.crs", "ehr-system").operations()).isEmpty();

        EffectiveRights jwt = rights("system/Patient.crus system/Observation.crs", "ehr-system");
        assertThat(jwt.rights().keySet()).containsExactlyInAnyOrder("Patient", "Observation");

        assertThat(rights("user/Patient.rs", "ehr-system").rights()).isEmpty();
        assertThat(rights(HOSPITAL_SCOPES, "physiotherapist").rights()).isEmpty();
        assertThat(rights("system/Observation.cruds", "ehr-system").allows("Observation", Permission.UPDATE))
                .isFalse();
    }

    @Test
    void noKnownRoleMeansNoRights() {
        assertThat(rights(PHYSIO_SCOPES).isEmpty()).isTrue();
        assertThat(rights(PHYSIO_SCOPES, "default-roles-rehab", "offline_access")
                        .isEmpty())
                .isTrue();
    }

    @Test
    void patientScopesNeedALaunchPatient() {
        Set<SmartScope> scopes = SmartScope.parseAll("patient/Observation.rs");
        // without a launch patient the scope grants nothing, and no operation either (they need scopes too)
        assertThat(EffectiveRights.of(scopes, List.of("physiotherapist"), null).isEmpty())
                .isTrue();
        assertThat(EffectiveRights.of(scopes, List.of("physiotherapist"), null).patientCompartmentRights())
                .isEmpty();
        EffectiveRights launched = EffectiveRights.of(scopes, List.of("physiotherapist"), "123");
        assertThat(launched.rights()).isEmpty();
        assertThat(launched.patientCompartmentRights()).containsKey("Observation");
        assertThat(launched.launchPatient()).isEqualTo("123");
        assertThat(EffectiveRights.of(scopes, List.of("ehr-system"), "123").patientCompartmentRights())
                .isEmpty();
    }

    // ---------------------------------------------------------------------------------- operations need scopes

    @Test
    void aTokenWithOnlyOpenidGetsNoOperation() {
        // the reviewer's cases: alice and audrey with a token carrying only openid
        assertThat(rights("openid", "physiotherapist").operations()).isEmpty();
        assertThat(rights("openid", "physiotherapist").allowsOperation("$recommend-regimens"))
                .isFalse();
        assertThat(rights("openid", "auditor").operations()).isEmpty();
        assertThat(rights("openid", "auditor").allowsOperation("$access-log")).isFalse();
        assertThat(rights("openid fhirUser", "physiotherapist", "auditor").isEmpty())
                .isTrue();
    }

    @Test
    void everyRoleOperationHasAnEntryInTheNeedsTable() {
        for (RehabRole role : RehabRole.values()) {
            for (String operation : RoleRights.operations(role)) {
                assertThat(OperationRights.needs(operation)).as(operation).isPresent();
                // the role itself can cover what its operations read
                OperationRights.needs(operation).orElseThrow().forEach((type, needed) -> assertThat(
                                RoleRights.maximum(role, type))
                        .as("%s %s", operation, type)
                        .containsAll(needed));
            }
        }
        assertThat(OperationRights.operations())
                .containsExactlyInAnyOrder(
                        "$recommend-regimens",
                        "$apply",
                        "$evaluate-progress",
                        "$screen",
                        "$accept",
                        "$activate",
                        "$record-session",
                        "$apply-progress",
                        "$handout",
                        "$verify-chain",
                        "$access-log",
                        "$rehab-outcomes",
                        "$export",
                        "$export-poll-status",
                        "$everything");
    }

    @Test
    void theNeedsTableIsTheBriefs() {
        assertThat(needs("$recommend-regimens"))
                .isEqualTo(Map.of("Patient", "r", "Condition", "r", "Observation", "r"));
        assertThat(needs("$apply"))
                .isEqualTo(Map.of("Patient", "r", "Condition", "r", "Observation", "r", "PlanDefinition", "r"));
        assertThat(needs("$evaluate-progress")).isEqualTo(Map.of("CarePlan", "r", "Goal", "r", "Observation", "r"));
        assertThat(needs("$screen")).isEqualTo(Map.of("Patient", "r", "Condition", "r", "Observation", "r"));
        assertThat(needs("$accept")).isEqualTo(Map.of("ServiceRequest", "r", "CareTeam", "r"));
        assertThat(needs("$activate"))
                .isEqualTo(Map.of("CarePlan", "ru", "Goal", "c", "Patient", "r", "Condition", "r", "Observation", "r"));
        assertThat(needs("$record-session")).isEqualTo(Map.of("CarePlan", "r", "Observation", "c"));
        assertThat(needs("$apply-progress")).isEqualTo(Map.of("CarePlan", "ru", "Goal", "ru", "Observation", "r"));
        assertThat(needs("$handout")).isEqualTo(Map.of("CarePlan", "r", "Goal", "r", "Patient", "r"));
        assertThat(needs("$verify-chain")).isEqualTo(Map.of("AuditEvent", "r"));
        assertThat(needs("$access-log")).isEqualTo(Map.of("AuditEvent", "rs"));
        assertThat(needs("$rehab-outcomes")).isEqualTo(Map.of("CarePlan", "r", "Observation", "r"));
        assertThat(needs("$export")).isEqualTo(Map.of("Binary", "r"));
        assertThat(needs("$export-poll-status")).isEqualTo(Map.of("Binary", "r"));
        assertThat(needs("$everything")).isEqualTo(Map.of("Patient", "r"));
        assertThat(OperationRights.needs("$expunge")).isEmpty();
    }

    @Test
    void exactlyTheNeededScopesGrantAnOperationAndEachMissingOneTakesItAway() {
        for (RehabRole role : List.of(RehabRole.PHYSIOTHERAPIST, RehabRole.AUDITOR)) {
            for (String operation : RoleRights.operations(role)) {
                Map<String, Set<Permission>> needed =
                        OperationRights.needs(operation).orElseThrow();
                String exact = scopesFor(needed, null);
                assertThat(rights(exact, role.roleName()).operations())
                        .as("%s with %s", operation, exact)
                        .contains(operation);
                for (String missing : needed.keySet()) {
                    String without = scopesFor(needed, missing);
                    assertThat(rights(without, role.roleName()).allowsOperation(operation))
                            .as("%s with %s", operation, without)
                            .isFalse();
                }
            }
        }
    }

    @Test
    void readWithoutSearchOnAuditEventAllowsVerifyChainButNotAccessLog() {
        EffectiveRights r = rights("openid user/AuditEvent.r", "auditor");
        assertThat(r.operations()).containsExactly("$verify-chain");
        assertThat(rights("openid user/AuditEvent.rs", "auditor").operations())
                .containsExactly("$verify-chain", "$access-log");
    }

    @Test
    void narrowerTokensKeepOnlyTheOperationsTheyCanFeed() {
        // alice with Patient/Condition/Observation read: recommend, but no $apply (no PlanDefinition) and no
        // $evaluate-progress (no CarePlan)
        assertThat(rights("user/Patient.r user/Condition.r user/Observation.r", "physiotherapist")
                        .operations())
                .containsExactly("$recommend-regimens", "$screen");
        assertThat(rights("user/CarePlan.r user/Observation.r", "physiotherapist")
                        .operations())
                .isEmpty();
        assertThat(rights("user/CarePlan.r user/Goal.r user/Observation.r", "physiotherapist")
                        .operations())
                .containsExactly("$evaluate-progress");
        assertThat(rights("user/CarePlan.rs user/Observation.rs", "auditor").operations())
                .containsExactly("$rehab-outcomes");
        // wildcard scopes cover every type of the role
        assertThat(rights("user/*.rs", "physiotherapist").operations())
                .containsExactly(
                        "$apply", "$recommend-regimens", "$evaluate-progress", "$screen", "$accept", "$handout");
    }

    @Test
    void scopesBeyondTheRoleGrantNoOperation() {
        // the needs must be met by scopes ∩ role: alice asking for AuditEvent gets no auditor operation
        assertThat(rights("user/AuditEvent.rs user/CarePlan.rs user/Goal.rs user/Observation.rs", "physiotherapist")
                        .operations())
                .containsExactly("$evaluate-progress");
        // the EHR role lists only Bulk Data export and $everything, whatever it may read
        assertThat(rights("system/*.cruds", "ehr-system").operations())
                .containsExactly("$export", "$export-poll-status", "$everything");
        // the wrong context does not count
        assertThat(rights("system/Patient.rs system/Condition.rs system/Observation.rs", "physiotherapist")
                        .operations())
                .isEmpty();
    }

    @Test
    void patientContextScopesGrantNoOperation() {
        Set<SmartScope> scopes = SmartScope.parseAll("patient/*.rs");
        EffectiveRights launched = EffectiveRights.of(scopes, List.of("physiotherapist"), "123");
        assertThat(launched.patientCompartmentRights()).isNotEmpty();
        assertThat(launched.operations()).isEmpty();
    }

    private static Map<String, String> needs(String operation) {
        Map<String, String> out = new java.util.HashMap<>();
        OperationRights.needs(operation).orElseThrow().forEach((t, p) -> out.put(t, Permission.letters(p)));
        return out;
    }

    /** {@code openid} plus one user scope per needed type, leaving out {@code missing}. */
    private static String scopesFor(Map<String, Set<Permission>> needed, String missing) {
        StringBuilder out = new StringBuilder("openid");
        needed.forEach((type, p) -> {
            if (!type.equals(missing)) {
                out.append(" user/").append(type).append('.').append(Permission.letters(p));
            }
        });
        return out.toString();
    }
}
