package org.rehabfhir.auth.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import org.junit.jupiter.api.Test;

/** The types a search reaches, from HAPI's search parameter definitions (the built-in R4 ones here). */
class SearchReachTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    final SearchReach reach = new SearchReach(null, 2);

    @Test
    void untypedChainReachesTheTargetsThatHaveTheNextParameter() {
        assertThat(reach.typesReached(FHIR, "Observation", "patient.family=x")).contains("Patient");
        assertThat(reach.typesReached(FHIR, "CarePlan", "care-team.participant=Practitioner/a"))
                .containsExactly("CareTeam");
    }

    @Test
    void typedChainSortRevincludeAndHasAreFollowed() {
        assertThat(reach.typesReached(FHIR, "Observation", "subject:Patient.name=x"))
                .containsExactly("Patient");
        assertThat(reach.typesReached(FHIR, "Observation", "_sort=-subject:Patient.birthdate"))
                .containsExactly("Patient");
        assertThat(reach.typesReached(FHIR, "Patient", "_revinclude=CarePlan:subject"))
                .containsExactly("CarePlan");
        assertThat(reach.typesReached(FHIR, "Observation", "patient:Patient._has:Condition:patient:code=x"))
                .containsExactlyInAnyOrder("Patient", "Condition");
        assertThat(reach.typesReached(FHIR, "Observation", "_has:Observation:has-member:patient.family=x"))
                .contains("Observation", "Patient");
    }

    @Test
    void plainParametersReachNothing() {
        assertThat(reach.typesReached(FHIR, "Observation", "subject=Patient/1&code=x&subject:Patient=1"))
                .isEmpty();
    }

    @Test
    void deeperThanTheLimitIsRefused() {
        assertThatThrownBy(() -> reach.typesReached(
                        FHIR, "Observation", "patient._has:Condition:patient:_has:Observation:patient:code=x"))
                .isInstanceOf(InvalidRequestException.class);
        assertThatThrownBy(() -> reach.typesReached(FHIR, "CarePlan", "care-team.subject.organization.name=x"))
                .isInstanceOf(InvalidRequestException.class);
    }
}
