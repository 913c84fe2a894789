package org.rehabfhir.auth.smart;

import java.util.Optional;

/** The Keycloak realm roles the FHIR server knows ({@code realm_access.roles}). */
public enum RehabRole {
    PHYSIOTHERAPIST("physiotherapist", false),
    AUDITOR("auditor", false),
    EHR_SYSTEM("ehr-system", true);

    private final String roleName;
    private final boolean system;

    RehabRole(String roleName, boolean system) {
        this.roleName = roleName;
        this.system = system;
    }

    /** The realm role's name in Keycloak. */
    public String roleName() {
        return roleName;
    }

    /** A machine (client credentials) role: its scopes are {@code system/}; a person's are {@code user/}, {@code patient/}. */
    public boolean isSystem() {
        return system;
    }

    public static Optional<RehabRole> ofRoleName(String name) {
        for (RehabRole r : values()) {
            if (r.roleName.equals(name)) {
                return Optional.of(r);
            }
        }
        return Optional.empty();
    }
}
