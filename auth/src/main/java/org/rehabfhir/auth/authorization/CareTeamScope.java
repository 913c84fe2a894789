package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.smart.RehabRole;

/**
 * Decides whether a request is narrowed to a CareTeam and to which patients, once per request (cached in the
 * request's user data, so the lookup runs once even though several interceptors ask).
 */
public final class CareTeamScope {

    private static final String CACHE_KEY = CareTeamScope.class.getName() + ".patients";

    private final boolean enabled;
    private final CareTeamPatientLookup lookup;

    public CareTeamScope(boolean enabled, CareTeamPatientLookup lookup) {
        if (enabled && lookup == null) {
            throw new IllegalStateException(
                    "rehab.security.care-team-narrowing=true needs a CareTeamPatientLookup bean");
        }
        this.enabled = enabled;
        this.lookup = lookup;
    }

    public boolean enabled() {
        return enabled;
    }

    /** A physiotherapist (who is not also an auditor) is narrowed when narrowing is on. */
    public boolean appliesTo(CallerContext caller) {
        return enabled
                && caller.rights().hasRole(RehabRole.PHYSIOTHERAPIST)
                && !caller.rights().hasRole(RehabRole.AUDITOR);
    }

    /**
     * The patients (as {@code Patient/<id>}) the caller is limited to, or empty when the caller is not narrowed.
     * A narrowed caller without {@code fhirUser} or without a CareTeam gets an empty set: no patient data.
     */
    @SuppressWarnings("unchecked")
    public Optional<Set<String>> patientsFor(CallerContext caller, RequestDetails request) {
        if (!appliesTo(caller)) {
            return Optional.empty();
        }
        Object cached = request == null ? null : request.getUserData().get(CACHE_KEY);
        if (cached instanceof Set<?> set) {
            return Optional.of((Set<String>) set);
        }
        Set<String> patients = new LinkedHashSet<>();
        if (caller.fhirUser() != null && !caller.fhirUser().isBlank()) {
            for (String id : lookup.patientIdsFor(caller.fhirUser())) {
                if (id != null && !id.isBlank()) {
                    patients.add(id.startsWith("Patient/") ? id : "Patient/" + id);
                }
            }
        }
        Set<String> result = Collections.unmodifiableSet(patients);
        if (request != null) {
            request.getUserData().put(CACHE_KEY, result);
        }
        return Optional.of(result);
    }
}
