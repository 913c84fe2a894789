package org.rehabfhir.protocols.recommend;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.icd;
import static org.rehabfhir.protocols.Fixtures.patientAged;
import static org.rehabfhir.protocols.Fixtures.quantity;
import static org.rehabfhir.protocols.Fixtures.snomed;

import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.TestFhir;
import org.rehabfhir.protocols.TestValidator;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.matching.SnomedSubsumption;

class RegimenRecommenderTest {

    private final RegimenRecommender recommender =
            new RegimenRecommender(TestFhir.CATALOGUE, SnomedSubsumption.UNKNOWN, Fixtures.ZONE);

    private RecommendationResult recommend(List<Condition> conditions, List<Observation> observations) {
        return recommender.recommend(patientAged(68), conditions, observations, TODAY);
    }

    @Test
    void kneeOsteoarthritisPatientGetsADraftCarePlanWithExplanation() {
        RecommendationResult r = recommend(List.of(icd("M17.11", "Unilateral primary OA, right knee")), List.of());
        assertThat(r.outcome()).isEqualTo(RecommendationResult.Outcome.CANDIDATES);
        Candidate c = r.candidates().get(0);
        assertThat(c.planDefinition().getIdElement().getIdPart()).isEqualTo("bw-knee-osteoarthritis");
        assertThat(c.evidenceLabel()).isEqualTo("[T]");
        assertThat(c.explanation()).anySatisfy(line -> assertThat(line)
                .contains("M17.11")
                .contains(RehabCodes.ICD10CM)
                .contains("ICD-10-CM prefix"));
        assertThat(c.carePlan().getStatus()).isEqualTo(CarePlan.CarePlanStatus.DRAFT);
        assertThat(c.carePlan().getSupportingInfo())
                .extracting(ref -> ref.getReference())
                .contains("#explanation");
        assertThat(c.screening().needsReview()).isTrue(); // no screening data at all: never silently passes
    }

    @Test
    void severalCandidatesAreRankedAndAllReturned() {
        RecommendationResult r = recommend(List.of(icd("M22.2X1", "PFP"), snomed("239873007", "Knee OA")), List.of());
        assertThat(r.candidates())
                .extracting(c -> c.planDefinition().getIdElement().getIdPart())
                .containsExactly("bw-knee-osteoarthritis", "bw-patellofemoral-pain");
        assertThat(r.candidates()).extracting(Candidate::rank).containsExactly(1, 2);
    }

    @Test
    void unrelatedConditionGivesNoRegimenWithTheReason() {
        RecommendationResult r = recommend(List.of(icd("E11.9", "Type 2 diabetes")), List.of());
        assertThat(r.outcome()).isEqualTo(RecommendationResult.Outcome.NO_REGIMEN);
        assertThat(r.noRegimenReason()).contains(RecommendationResult.NoRegimenReason.NO_MATCHING_CONDITION);
        OperationOutcome oo =
                (OperationOutcome) recommender.toBundle(r).getEntryFirstRep().getResource();
        assertThat(oo.getIssueFirstRep().getDetails().getCodingFirstRep().getCode())
                .isEqualTo("no-matching-condition");
    }

    @Test
    void hipFractureGivesClinicianAuthoredPlanRequired() {
        RecommendationResult r = recommend(List.of(icd("S72.001D", "Fracture of right femoral neck")), List.of());
        assertThat(r.outcome()).isEqualTo(RecommendationResult.Outcome.NO_REGIMEN);
        assertThat(r.noRegimenReason()).contains(RecommendationResult.NoRegimenReason.CLINICIAN_AUTHORED_PLAN_REQUIRED);
        assertThat(r.messages()).anySatisfy(m -> assertThat(m).contains("Clinician-authored plan required"));
        OperationOutcome oo =
                (OperationOutcome) recommender.toBundle(r).getEntryFirstRep().getResource();
        assertThat(oo.getIssueFirstRep().getDetails().getCodingFirstRep().getCode())
                .isEqualTo("clinician-authored-plan-required");
    }

    @Test
    void regimenConditionAlongsideAKneeReplacementIsFlaggedForClinicianConfirmation() {
        RecommendationResult r = recommend(List.of(icd("M17.11", "Knee OA"), icd("Z96.651", "Right TKA")), List.of());
        assertThat(r.outcome()).isEqualTo(RecommendationResult.Outcome.CANDIDATES);
        assertThat(r.candidates().get(0).carePlan().getNote())
                .anySatisfy(n -> assertThat(n.getText()).contains("Knee replacement"));
    }

    @Test
    void absoluteExclusionGivesNoRegimenAndTheOperationOutcome() {
        Observation hr = quantity(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, 131, "/min", 1);
        RecommendationResult r = recommend(List.of(icd("M17.11", "Knee OA")), List.of(hr));
        assertThat(r.outcome()).isEqualTo(RecommendationResult.Outcome.EXCLUDED);
        assertThat(r.candidates()).isEmpty();
        OperationOutcome oo = r.exclusion().orElseThrow();
        assertThat(oo.getIssue())
                .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .extracting(i -> i.getDetails().getCodingFirstRep().getCode())
                .containsExactly("resting-heart-rate");
        Bundle b = recommender.toBundle(r);
        assertThat(b.getEntry()).singleElement().satisfies(e -> assertThat(e.getResource())
                .isInstanceOf(OperationOutcome.class));
    }

    @Test
    void groupSpecificExclusionDropsOnlyThatRegimen() {
        Observation relapse = Fixtures.finding(RehabCodes.FINDING_MS_RELAPSE, true, 10);
        RecommendationResult r = recommend(List.of(icd("M17.11", "Knee OA"), icd("G35.A", "MS")), List.of(relapse));
        assertThat(r.outcome()).isEqualTo(RecommendationResult.Outcome.CANDIDATES);
        assertThat(r.candidates())
                .extracting(c -> c.planDefinition().getIdElement().getIdPart())
                .containsExactly("bw-knee-osteoarthritis");
        assertThat(r.messages())
                .anySatisfy(m -> assertThat(m).contains("bw-multiple-sclerosis").contains("excluded"));
    }

    @Test
    void bundleOfCandidatesIsACollectionThatValidates() {
        List<Condition> conditions = new ArrayList<>(List.of(snomed("24700007", "MS"), icd("G20.A1", "PD")));
        RecommendationResult r = recommend(conditions, List.of());
        Bundle b = recommender.toBundle(r);
        assertThat(b.getType()).isEqualTo(Bundle.BundleType.COLLECTION);
        assertThat(b.getEntry())
                .filteredOn(e -> e.getResource() instanceof CarePlan)
                .hasSize(2);
        assertThat(TestValidator.errors(b)).isEmpty();
    }
}
