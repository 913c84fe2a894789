package org.rehabfhir.protocols.screening;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.protocols.screening.ScreenResponses.answer;
import static org.rehabfhir.protocols.screening.ScreenResponses.passing;
import static org.rehabfhir.protocols.screening.ScreenResponses.quantity;

import ca.uhn.fhir.context.FhirContext;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;

class ScreenResponseExtractorTest {

    private static final ProtocolCatalogue CATALOGUE = ProtocolCatalogue.loadDefault(FhirContext.forR4Cached());
    private static final Date AUTHORED = Date.from(Fixtures.TODAY.atTime(9, 30).toInstant(ZoneOffset.UTC));
    private static final Reference QR = new Reference("QuestionnaireResponse/qr-1");
    private static final Reference PT = new Reference("Practitioner/alice");

    private final ScreenResponseExtractor extractor = new ScreenResponseExtractor(CATALOGUE);
    private final SafetyScreener screener = new SafetyScreener(Fixtures.ZONE);

    @Test
    void aCompletedPassingScreenGivesTheObservationsThatClearTheScreener() {
        List<Observation> obs = extractor.extract(passing("Patient/p1", AUTHORED), QR, PT);

        assertThat(obs).hasSize(11);
        assertThat(obs).allSatisfy(o -> {
            assertThat(o.getDerivedFromFirstRep().getReference()).isEqualTo("QuestionnaireResponse/qr-1");
            assertThat(o.getPerformerFirstRep().getReference()).isEqualTo("Practitioner/alice");
            assertThat(o.getSubject().getReference()).isEqualTo("Patient/p1");
            assertThat(o.getEffectiveDateTimeType().getValue()).isEqualTo(AUTHORED);
        });
        assertThat(obs)
                .filteredOn(o -> o.getCode().getCodingFirstRep().getCode().equals(RehabCodes.LOINC_HEART_RATE))
                .singleElement()
                .satisfies(o -> assertThat(
                                o.getCategoryFirstRep().getCodingFirstRep().getCode())
                        .isEqualTo("vital-signs"));
        ScreeningResult result = screener.screen(List.of(), obs, null, Fixtures.TODAY);
        assertThat(result.status()).as(result.toString()).isEqualTo(ScreeningStatus.CLEAR);
    }

    @Test
    void anMmseBelowTwentyExcludesWithThatCriterion() {
        QuestionnaireResponse r = answer(passing("Patient/p1", AUTHORED), "mmse-total", new IntegerType(17));
        ScreeningResult result = screener.screen(List.of(), extractor.extract(r, QR, PT), null, Fixtures.TODAY);
        assertThat(result.withStatus(CriterionStatus.EXCLUDED))
                .extracting(CriterionResult::criterion)
                .containsExactly(Criterion.COGNITION_MMSE);
    }

    @Test
    void aWalkingDistanceInFeetIsConvertedBeforeTheElevenMetreThreshold() {
        QuestionnaireResponse r =
                answer(passing("Patient/p1", AUTHORED), "max-walking-distance", quantity(30, "[ft_i]"));
        ScreeningResult result = screener.screen(List.of(), extractor.extract(r, QR, PT), null, Fixtures.TODAY);
        assertThat(result.result(Criterion.MINIMUM_WALKING_DISTANCE)
                        .orElseThrow()
                        .status())
                .isEqualTo(CriterionStatus.EXCLUDED);
    }

    @Test
    void everyMissingRequiredItemIsNamed() {
        QuestionnaireResponse r = passing("Patient/p1", AUTHORED);
        answer(r, "heart-rate", null);
        answer(r, "fall-history", null);
        assertThat(extractor.check(r))
                .extracting(ScreenResponseExtractor.Problem::linkId)
                .containsExactly("heart-rate", "fall-history");
        assertThatThrownBy(() -> extractor.extract(r, QR, PT))
                .isInstanceOf(ScreenResponseExtractor.InvalidResponseException.class)
                .satisfies(e -> assertThat(((ScreenResponseExtractor.InvalidResponseException) e)
                                .toOperationOutcome()
                                .getIssue())
                        .hasSize(2));
    }

    @Test
    void aUnitThatDoesNotConvertIsRefusedAtTheItem() {
        QuestionnaireResponse r = answer(passing("Patient/p1", AUTHORED), "max-walking-distance", quantity(30, "kg"));
        assertThat(extractor.check(r)).singleElement().satisfies(p -> assertThat(p.linkId())
                .isEqualTo("max-walking-distance"));
    }

    @Test
    void anOutOfRangeScoreIsRefused() {
        QuestionnaireResponse r = answer(passing("Patient/p1", AUTHORED), "mmse-total", new IntegerType(31));
        assertThat(extractor.check(r)).singleElement().satisfies(p -> assertThat(p.message())
                .contains("at most 30"));
    }

    @Test
    void theWalkingDistanceIsNotAskedWhenThePatientNeedsTwoSidedSupport() {
        QuestionnaireResponse r =
                answer(passing("Patient/p1", AUTHORED), "constant-bilateral-support", new BooleanType(true));
        assertThat(extractor.check(r)).singleElement().satisfies(p -> assertThat(p.linkId())
                .isEqualTo("max-walking-distance"));
        answer(r, "max-walking-distance", null);
        assertThat(extractor.check(r)).isEmpty();
        ScreeningResult result = screener.screen(List.of(), extractor.extract(r, QR, PT), null, Fixtures.TODAY);
        assertThat(result.result(Criterion.MINIMUM_WALKING_DISTANCE)
                        .orElseThrow()
                        .status())
                .isEqualTo(CriterionStatus.EXCLUDED);
    }

    @Test
    void anMsRelapseIsDatedByItsDateItem() {
        QuestionnaireResponse r = passing("Patient/p1", AUTHORED);
        answer(r, "ms-screen", new BooleanType(true));
        answer(r, "ms-relapse", new BooleanType(true));
        answer(r, "systemic-corticosteroid-course", new BooleanType(false));
        assertThat(extractor.check(r))
                .extracting(ScreenResponseExtractor.Problem::linkId)
                .containsExactly("ms-relapse-date");
        answer(r, "ms-relapse-date", new DateType(Fixtures.TODAY.minusDays(45).toString()));
        ScreeningResult result =
                screener.screen(List.of(), extractor.extract(r, QR, PT), SafetyScreener.MS_GROUP, Fixtures.TODAY);
        assertThat(result.result(Criterion.MS_RELAPSE_OR_STEROIDS).orElseThrow().status())
                .isEqualTo(CriterionStatus.OVERRIDE_NEEDED);
    }

    @Test
    void aResponseToAnotherQuestionnaireOrNotCompletedIsRefused() {
        QuestionnaireResponse other =
                passing("Patient/p1", AUTHORED).setQuestionnaire("http://example.org/Questionnaire/x");
        assertThat(extractor.check(other)).singleElement().satisfies(p -> assertThat(p.linkId())
                .isNull());
        QuestionnaireResponse draft =
                passing("Patient/p1", AUTHORED).setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.INPROGRESS);
        assertThat(extractor.check(draft)).singleElement().satisfies(p -> assertThat(p.message())
                .contains("completed"));
    }

    @Test
    void anAnswerToAnUnknownItemIsRefused() {
        QuestionnaireResponse r = answer(passing("Patient/p1", AUTHORED), "shoe-size", new IntegerType(9));
        assertThat(extractor.check(r)).singleElement().satisfies(p -> assertThat(p.linkId())
                .isEqualTo("shoe-size"));
    }
}
