package org.rehabfhir.auth.smart;

import java.util.Collection;
import java.util.Collections;
import java.util.EnumSet;
import java.util.LinkedHashSet;
import java.util.Map;
import java.util.Set;
import java.util.TreeMap;

/**
 * What a caller may do: the token's SMART scopes intersected with the maximum rights of its realm roles
 * ({@link RoleRights}). Computed once per request from the validated token.
 *
 * <ul>
 *   <li>{@code user/} scopes count for person roles (physiotherapist, auditor), {@code system/} scopes only for
 *       {@code ehr-system}; any other combination grants nothing.</li>
 *   <li>{@code patient/} scopes count for person roles only with a launch patient (the token's {@code patient}
 *       claim), and only inside that patient's compartment ({@link #patientCompartmentRights()}).</li>
 *   <li>{@code *} as the type means every type of the role's table.</li>
 *   <li>DELETE is never granted.</li>
 *   <li>An operation is granted when a role lists it ({@link RoleRights#operations(RehabRole)}) and the user/system
 *       rights above cover what it reads ({@link OperationRights}): a token with fewer scopes loses the operations
 *       that read what it may not read. Patient-context rights grant no operation.</li>
 * </ul>
 */
public final class EffectiveRights {

    private static final EffectiveRights NONE = new EffectiveRights(Map.of(), Map.of(), null, Set.of(), Set.of());

    private final Map<String, Set<Permission>> rights;
    private final Map<String, Set<Permission>> patientCompartmentRights;
    private final String launchPatient;
    private final Set<String> operations;
    private final Set<RehabRole> roles;

    private EffectiveRights(
            Map<String, Set<Permission>> rights,
            Map<String, Set<Permission>> patientCompartmentRights,
            String launchPatient,
            Set<String> operations,
            Set<RehabRole> roles) {
        this.rights = rights;
        this.patientCompartmentRights = patientCompartmentRights;
        this.launchPatient = launchPatient;
        this.operations = operations;
        this.roles = roles;
    }

    public static EffectiveRights none() {
        return NONE;
    }

    /**
     * @param scopes the token's parsed scopes
     * @param roleNames the token's realm roles (unknown names are ignored)
     * @param launchPatient the token's {@code patient} claim (a Patient id), or null
     */
    public static EffectiveRights of(
            Collection<SmartScope> scopes, Collection<String> roleNames, String launchPatient) {
        Set<RehabRole> roles = EnumSet.noneOf(RehabRole.class);
        for (String name : roleNames) {
            RehabRole.ofRoleName(name).ifPresent(roles::add);
        }
        if (roles.isEmpty()) {
            return NONE;
        }
        Map<String, EnumSet<Permission>> unrestricted = new TreeMap<>();
        Map<String, EnumSet<Permission>> inPatient = new TreeMap<>();
        String patient = launchPatient == null || launchPatient.isBlank() ? null : launchPatient.trim();
        for (SmartScope scope : scopes) {
            for (RehabRole role : roles) {
                if (!contextAllowed(scope.context(), role, patient)) {
                    continue;
                }
                Map<String, EnumSet<Permission>> target =
                        scope.context() == ScopeContext.PATIENT ? inPatient : unrestricted;
                Map<String, Set<Permission>> maximum = RoleRights.resources(role);
                Collection<String> types = scope.isWildcard() ? maximum.keySet() : Set.of(scope.resourceType());
                for (String type : types) {
                    EnumSet<Permission> granted = EnumSet.noneOf(Permission.class);
                    granted.addAll(scope.permissions());
                    granted.retainAll(maximum.getOrDefault(type, Set.of()));
                    granted.remove(Permission.DELETE);
                    if (!granted.isEmpty()) {
                        target.computeIfAbsent(type, t -> EnumSet.noneOf(Permission.class))
                                .addAll(granted);
                    }
                }
            }
        }
        // an operation needs the role AND the rights (scopes ∩ role) to read what it reads; patient-context rights
        // do not count (the operation rules cannot keep an operation inside the launch patient's compartment)
        Set<String> operations = new LinkedHashSet<>();
        for (RehabRole role : roles) {
            for (String operation : RoleRights.operations(role)) {
                if (OperationRights.coveredBy(operation, unrestricted)) {
                    operations.add(operation);
                }
            }
        }
        return new EffectiveRights(
                freeze(unrestricted),
                freeze(inPatient),
                inPatient.isEmpty() ? null : patient,
                Collections.unmodifiableSet(operations),
                Collections.unmodifiableSet(roles));
    }

    private static boolean contextAllowed(ScopeContext context, RehabRole role, String patient) {
        return switch (context) {
            case SYSTEM -> role.isSystem();
            case USER -> !role.isSystem();
            case PATIENT -> !role.isSystem() && patient != null;
        };
    }

    private static Map<String, Set<Permission>> freeze(Map<String, EnumSet<Permission>> map) {
        Map<String, Set<Permission>> out = new TreeMap<>();
        map.forEach((k, v) -> out.put(k, Collections.unmodifiableSet(EnumSet.copyOf(v))));
        return Collections.unmodifiableMap(out);
    }

    /** Rights on every resource of a type (user or system context). */
    public Map<String, Set<Permission>> rights() {
        return rights;
    }

    /** Rights only inside the compartment of {@link #launchPatient()} (patient context). */
    public Map<String, Set<Permission>> patientCompartmentRights() {
        return patientCompartmentRights;
    }

    /** The launch patient's id the patient-context rights are limited to, or null. */
    public String launchPatient() {
        return launchPatient;
    }

    /**
     * The operations (with {@code $}) the caller may invoke: those of its roles whose needs ({@link OperationRights})
     * its user/system rights cover.
     */
    public Set<String> operations() {
        return operations;
    }

    public Set<RehabRole> roles() {
        return roles;
    }

    public boolean hasRole(RehabRole role) {
        return roles.contains(role);
    }

    /** Whether the caller has {@code permission} on {@code resourceType} in any context. */
    public boolean allows(String resourceType, Permission permission) {
        return rights.getOrDefault(resourceType, Set.of()).contains(permission)
                || patientCompartmentRights.getOrDefault(resourceType, Set.of()).contains(permission);
    }

    public boolean allowsOperation(String operationName) {
        String name = operationName.startsWith("$") ? operationName : "$" + operationName;
        return operations.contains(name);
    }

    public boolean isEmpty() {
        return rights.isEmpty() && patientCompartmentRights.isEmpty() && operations.isEmpty();
    }

    @Override
    public String toString() {
        StringBuilder out =
                new StringBuilder("EffectiveRights{roles=").append(roles).append(", ");
        rights.forEach((t, p) ->
                out.append(t).append('.').append(Permission.letters(p)).append(' '));
        if (!patientCompartmentRights.isEmpty()) {
            out.append("patient(").append(launchPatient).append("): ");
            patientCompartmentRights.forEach((t, p) ->
                    out.append(t).append('.').append(Permission.letters(p)).append(' '));
        }
        return out.append("ops=").append(operations).append('}').toString();
    }
}
