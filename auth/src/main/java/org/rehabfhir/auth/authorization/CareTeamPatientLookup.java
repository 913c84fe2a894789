package org.rehabfhir.auth.authorization;

import java.util.Set;

/**
 * Which patients a practitioner cares for: the patients of the CareTeams the practitioner is a participant of.
 * The FHIR server implements it over its storage; it is called at most once per request, and only when
 * {@code rehab.security.care-team-narrowing=true} and the caller is a physiotherapist.
 *
 * <p>Implementations must not go through the REST layer or the AuthorizationInterceptor (use the DAO with a
 * system request, or SQL).
 */
public interface CareTeamPatientLookup {

    /**
     * @param practitionerRef the caller's {@code fhirUser} claim, e.g. {@code Practitioner/alice}
     * @return the ids of the patients, bare ({@code 123}) or qualified ({@code Patient/123}); empty when none
     */
    Set<String> patientIdsFor(String practitionerRef);
}
