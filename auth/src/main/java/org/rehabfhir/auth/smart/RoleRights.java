package org.rehabfhir.auth.smart;

import java.util.Collections;
import java.util.EnumMap;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;

/**
 * The most each realm role may ever do, per resource type, and the operations it may call. A token's scopes are
 * intersected with this table ({@link EffectiveRights}): scopes only narrow, never widen. An operation listed here is
 * granted only when the token's rights also cover what the operation reads ({@link OperationRights}).
 *
 * <p>No role has {@link Permission#DELETE}: clinical records are never deleted; a wrong entry gets
 * {@code status=entered-in-error} (an update).
 *
 * <table>
 *   <caption>Maximum rights per role</caption>
 *   <tr><th>role</th><th>resources</th><th>operations</th></tr>
 *   <tr><td>physiotherapist</td><td>Patient rs, Condition rs, CarePlan crus, Goal crus, Observation crus,
 *       PlanDefinition rs, ActivityDefinition rs, CareTeam rs, ServiceRequest rs, Questionnaire rs,
 *       QuestionnaireResponse crus, DocumentReference crs</td><td>$apply, $recommend-regimens, $evaluate-progress,
 *       $screen, $accept, $activate, $record-session, $apply-progress, $handout</td></tr>
 *   <tr><td>auditor</td><td>Observation rs, CarePlan rs, AuditEvent rs, Provenance rs, Binary r (own exports)</td>
 *       <td>$verify-chain, $access-log, $rehab-outcomes, $export, $export-poll-status</td></tr>
 *   <tr><td>ehr-system</td><td>Patient crus, Condition crus, Observation crs, CarePlan rs, ServiceRequest crus,
 *       CareTeam crus; the record types a rehabilitation chart needs crus: Encounter, Procedure, MedicationRequest,
 *       Medication, MedicationStatement, AllergyIntolerance, Practitioner, PractitionerRole, Organization, Location,
 *       DocumentReference, DiagnosticReport; Subscription crus (REST hooks), Group crus, Binary r (own exports)</td>
 *       <td>$export, $export-poll-status, $everything</td></tr>
 * </table>
 */
public final class RoleRights {

    private static final Map<RehabRole, Map<String, Set<Permission>>> RESOURCES = new EnumMap<>(RehabRole.class);
    private static final Map<RehabRole, Set<String>> OPERATIONS = new EnumMap<>(RehabRole.class);

    static {
        RESOURCES.put(
                RehabRole.PHYSIOTHERAPIST,
                table(
                        "Patient", "rs",
                        "Condition", "rs",
                        "CarePlan", "crus",
                        "Goal", "crus",
                        "Observation", "crus",
                        "PlanDefinition", "rs",
                        "ActivityDefinition", "rs",
                        "CareTeam", "rs",
                        "ServiceRequest", "rs",
                        "Questionnaire", "rs",
                        "QuestionnaireResponse", "crus",
                        "DocumentReference", "crs"));
        RESOURCES.put(
                RehabRole.AUDITOR,
                table(
                        "Observation", "rs",
                        "CarePlan", "rs",
                        "AuditEvent", "rs",
                        "Provenance", "rs",
                        // the files of the caller's own Bulk Data exports (BinarySecurityContext: only its own)
                        "Binary", "r"));
        RESOURCES.put(
                RehabRole.EHR_SYSTEM,
                table(
                        "Patient", "crus",
                        "Condition", "crus",
                        "Observation", "crs",
                        "CarePlan", "rs",
                        "ServiceRequest", "crus",
                        "CareTeam", "crus",
                        // the rest of a rehabilitation chart, as hospitals send it
                        "Encounter", "crus",
                        "Procedure", "crus",
                        "MedicationRequest", "crus",
                        // what a MedicationRequest or MedicationStatement names by reference (medicationReference)
                        "Medication", "crus",
                        "MedicationStatement", "crus",
                        "AllergyIntolerance", "crus",
                        "Practitioner", "crus",
                        "PractitionerRole", "crus",
                        "Organization", "crus",
                        "Location", "crus",
                        "DocumentReference", "crus",
                        "DiagnosticReport", "crus",
                        // REST-hook notifications of plan and session changes (docs/api-guide.md "Notifications"); u:
                        // to
                        // switch one off (status off), as nothing is ever deleted
                        "Subscription", "crus",
                        // Group/{id}/$export of a cohort; the files of its own Bulk Data exports
                        "Group", "crus",
                        "Binary", "r"));
        OPERATIONS.put(
                RehabRole.PHYSIOTHERAPIST,
                ordered(
                        "$apply",
                        "$recommend-regimens",
                        "$evaluate-progress",
                        "$screen",
                        "$accept",
                        "$activate",
                        "$record-session",
                        "$apply-progress",
                        "$handout"));
        OPERATIONS.put(
                RehabRole.AUDITOR,
                ordered("$verify-chain", "$access-log", "$rehab-outcomes", "$export", "$export-poll-status"));
        OPERATIONS.put(RehabRole.EHR_SYSTEM, ordered("$export", "$export-poll-status", "$everything"));
    }

    private RoleRights() {}

    /** The role's maximum rights per resource type (never containing DELETE). */
    public static Map<String, Set<Permission>> resources(RehabRole role) {
        return RESOURCES.get(role);
    }

    /**
     * The operations (with {@code $}) the role may call at most; a caller gets one only if its effective rights cover
     * the operation's needs ({@link OperationRights}).
     */
    public static Set<String> operations(RehabRole role) {
        return OPERATIONS.get(role);
    }

    /** What some role may do, per resource type: the union over the roles (what the CapabilityStatement lists). */
    public static Map<String, Set<Permission>> anyRole() {
        Map<String, Set<Permission>> union = new java.util.TreeMap<>();
        for (Map<String, Set<Permission>> table : RESOURCES.values()) {
            table.forEach((type, permissions) -> union.computeIfAbsent(type, t -> EnumSet.noneOf(Permission.class))
                    .addAll(permissions));
        }
        return Collections.unmodifiableMap(union);
    }

    /** The operations (with {@code $}) some role may call: the union over the roles. */
    public static Set<String> anyRoleOperations() {
        Set<String> union = new LinkedHashSet<>();
        OPERATIONS.values().forEach(union::addAll);
        return Collections.unmodifiableSet(union);
    }

    /** The maximum of a role for one type (empty if none). */
    public static Set<Permission> maximum(RehabRole role, String resourceType) {
        return RESOURCES.get(role).getOrDefault(resourceType, Set.of());
    }

    private static Map<String, Set<Permission>> table(String... typeAndLetters) {
        Map<String, Set<Permission>> map = new LinkedHashMap<>();
        for (int i = 0; i < typeAndLetters.length; i += 2) {
            EnumSet<Permission> p = EnumSet.copyOf(Permission.ofLetters(typeAndLetters[i + 1]));
            p.remove(Permission.DELETE);
            map.put(typeAndLetters[i], Collections.unmodifiableSet(p));
        }
        return Collections.unmodifiableMap(map);
    }

    private static Set<String> ordered(String... names) {
        return Collections.unmodifiableSet(new LinkedHashSet<>(java.util.List.of(names)));
    }
}
