package org.rehabfhir.auth.smart;

import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;

/**
 * What each custom operation reads, as SMART permissions per resource type. The operations read their data as the
 * server (engine, audit store), so HAPI's response checks never see those reads: an operation is in a caller's
 * {@link EffectiveRights} only when the caller's role lists it ({@link RoleRights#operations(RehabRole)}) <b>and</b>
 * the caller's effective rights (token scopes ∩ role) cover every permission below. A token asked for with fewer
 * scopes therefore loses the operations that read what it may not read.
 *
 * <table>
 *   <caption>Rights an operation needs</caption>
 *   <tr><th>operation</th><th>needs</th><th>why</th></tr>
 *   <tr><td>$recommend-regimens</td><td>Patient r, Condition r, Observation r</td>
 *       <td>matches and screens the patient's record</td></tr>
 *   <tr><td>$apply</td><td>Patient r, Condition r, Observation r, PlanDefinition r</td>
 *       <td>the same screening, plus the regimen it applies</td></tr>
 *   <tr><td>$evaluate-progress</td><td>CarePlan r, Goal r, Observation r</td>
 *       <td>the plan, the observations based on it and its Goals with their outcome observations</td></tr>
 *   <tr><td>$screen</td><td>Patient r, Condition r, Observation r</td>
 *       <td>screens the patient's record criterion by criterion</td></tr>
 *   <tr><td>$accept</td><td>ServiceRequest r, CareTeam r</td>
 *       <td>reads the referral and creates (as the server) the CareTeam naming the caller</td></tr>
 *   <tr><td>$activate</td><td>CarePlan ru, Goal c, Patient r, Condition r, Observation r</td>
 *       <td>re-screens the patient, stores the plan's Goals and activates the plan</td></tr>
 *   <tr><td>$record-session</td><td>CarePlan r, Observation c</td><td>writes the session's Observations</td></tr>
 *   <tr><td>$apply-progress</td><td>CarePlan ru, Goal ru, Observation r</td>
 *       <td>evaluates the sessions and writes the next plan version and the Goals' achievement</td></tr>
 *   <tr><td>$handout</td><td>CarePlan r, Goal r, Patient r</td>
 *       <td>renders the plan for the patient (storing it as a DocumentReference also needs DocumentReference c,
 *       checked by the operation)</td></tr>
 *   <tr><td>$verify-chain</td><td>AuditEvent r</td><td>walks every AuditEvent</td></tr>
 *   <tr><td>$access-log</td><td>AuditEvent rs</td>
 *       <td>finds the AuditEvents naming a patient and returns references to them: a search, so {@code s}</td></tr>
 *   <tr><td>$rehab-outcomes</td><td>CarePlan r, Observation r</td>
 *       <td>aggregates plans and their observations (counts only, no resource is returned)</td></tr>
 *   <tr><td>$export, $export-poll-status</td><td>Binary r</td>
 *       <td>Bulk Data: the export files are Binary resources (the caller's own); the exported types are those the
 *       caller may read</td></tr>
 *   <tr><td>$everything</td><td>Patient r</td><td>the patient's compartment, limited to the types the caller may
 *       read</td></tr>
 * </table>
 *
 * <p>Only user/system-context rights count ({@link EffectiveRights#rights()}): patient-context scopes are limited
 * to the launch patient's compartment, which the operation rules cannot enforce, so they grant no operation. An
 * operation missing from this table is never granted (fail closed).
 */
public final class OperationRights {

    private static final Map<String, Map<String, Set<Permission>>> NEEDS = new LinkedHashMap<>();

    static {
        NEEDS.put(
                "$recommend-regimens",
                needs(
                        "Patient", "r",
                        "Condition", "r",
                        "Observation", "r"));
        NEEDS.put(
                "$apply",
                needs(
                        "Patient", "r",
                        "Condition", "r",
                        "Observation", "r",
                        "PlanDefinition", "r"));
        NEEDS.put(
                "$evaluate-progress",
                needs(
                        "CarePlan", "r",
                        "Goal", "r",
                        "Observation", "r"));
        NEEDS.put(
                "$screen",
                needs(
                        "Patient", "r",
                        "Condition", "r",
                        "Observation", "r"));
        NEEDS.put(
                "$accept",
                needs(
                        "ServiceRequest", "r",
                        "CareTeam", "r"));
        NEEDS.put(
                "$activate",
                needs(
                        "CarePlan", "ru",
                        "Goal", "c",
                        "Patient", "r",
                        "Condition", "r",
                        "Observation", "r"));
        NEEDS.put(
                "$record-session",
                needs(
                        "CarePlan", "r",
                        "Observation", "c"));
        NEEDS.put(
                "$apply-progress",
                needs(
                        "CarePlan", "ru",
                        "Goal", "ru",
                        "Observation", "r"));
        NEEDS.put(
                "$handout",
                needs(
                        "CarePlan", "r",
                        "Goal", "r",
                        "Patient", "r"));
        NEEDS.put("$verify-chain", needs("AuditEvent", "r"));
        NEEDS.put("$access-log", needs("AuditEvent", "rs"));
        NEEDS.put(
                "$rehab-outcomes",
                needs(
                        "CarePlan", "r",
                        "Observation", "r"));
        // Bulk Data: what is exported is limited to the types the caller may read (ExportScopeInterceptor); the
        // files are Binary resources the caller must be able to read (its own only)
        NEEDS.put("$export", needs("Binary", "r"));
        NEEDS.put("$export-poll-status", needs("Binary", "r"));
        // the patient's compartment, limited to the types the caller may read (ExportScopeInterceptor)
        NEEDS.put("$everything", needs("Patient", "r"));
    }

    private OperationRights() {}

    /** The permissions per resource type the operation (with {@code $}) needs; empty if it is not in the table. */
    public static Optional<Map<String, Set<Permission>>> needs(String operation) {
        return Optional.ofNullable(NEEDS.get(operation));
    }

    /** The operations of the table, in its order. */
    public static Set<String> operations() {
        return Collections.unmodifiableSet(NEEDS.keySet());
    }

    /**
     * Whether {@code rights} (per type, user/system context) cover everything {@code operation} reads; false for an
     * operation not in the table.
     */
    public static boolean coveredBy(String operation, Map<String, ? extends Set<Permission>> rights) {
        Map<String, Set<Permission>> needed = NEEDS.get(operation);
        if (needed == null) {
            return false;
        }
        for (Map.Entry<String, Set<Permission>> need : needed.entrySet()) {
            Set<Permission> have = rights.get(need.getKey());
            if (have == null || !have.containsAll(need.getValue())) {
                return false;
            }
        }
        return true;
    }

    private static Map<String, Set<Permission>> needs(String... typeAndLetters) {
        Map<String, Set<Permission>> map = new LinkedHashMap<>();
        for (int i = 0; i < typeAndLetters.length; i += 2) {
            map.put(
                    typeAndLetters[i],
                    Collections.unmodifiableSet(EnumSet.copyOf(Permission.ofLetters(typeAndLetters[i + 1]))));
        }
        return Collections.unmodifiableMap(map);
    }
}
