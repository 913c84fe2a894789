package org.rehabfhir.protocols.matching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.condition;
import static org.rehabfhir.protocols.Fixtures.icd;
import static org.rehabfhir.protocols.Fixtures.onsetDaysAgo;
import static org.rehabfhir.protocols.Fixtures.patientAged;
import static org.rehabfhir.protocols.Fixtures.snomed;
import static org.rehabfhir.protocols.Fixtures.withClinicalStatus;

import java.util.List;
import org.hl7.fhir.r4.model.Condition;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.TestFhir;

/** ICD-10 editions other than ICD-10-CM, mapped prefix by prefix; resolved strokes as a history. */
class Icd10EditionsAndHistoryTest {

    static final String WHO = "http://hl7.org/fhir/sid/icd-10";
    static final String GM = "http://fhir.de/CodeSystem/bfarm/icd-10-gm";

    private final ConditionMatcher matcher =
            new ConditionMatcher(TestFhir.CATALOGUE, SnomedSubsumption.UNKNOWN, Fixtures.ZONE);

    private MatchResult match(Condition... conditions) {
        return matcher.match(patientAged(70), List.of(conditions), List.of(), TODAY);
    }

    private static List<String> ids(MatchResult r) {
        return r.regimens().stream()
                .map(m -> m.planDefinition().getIdElement().getIdPart())
                .toList();
    }

    @Test
    void aWhoIcd10StrokeMatchesTheChronicStrokeRegimenAndSaysWhichSystemMatched() {
        MatchResult r = match(onsetDaysAgo(condition(WHO, "I63.5", "Cerebral infarction due to occlusion"), 400));
        assertThat(ids(r)).containsExactly("bw-stroke-chronic");
        ConditionMatch m = r.regimens().get(0).matches().get(0);
        assertThat(m.method()).isEqualTo(MatchMethod.ICD10_EDITION_PREFIX);
        assertThat(m.system()).isEqualTo(WHO);
        assertThat(m.matchedTo()).contains("WHO ICD-10 I63", "mapped from ICD-10-CM I63");
    }

    @Test
    void anIcd10GmParkinsonCodeMatchesByTheMappedPrefix() {
        assertThat(ids(match(condition(GM, "G20.11", "Primaeres Parkinson-Syndrom"))))
                .containsExactly("bw-parkinsons-disease");
    }

    @Test
    void aWhoLowBackPainCodeAloneIsNoChronicPainBecauseWhoHasNoChronicPainCode() {
        assertThat(ids(match(condition(WHO, "M54.5", "Low back pain")))).isEmpty();
    }

    @Test
    void aWhoCruciateLigamentSprainMatchesTheAclRegimenAsBroader() {
        MatchResult r = match(condition(WHO, "S83.5", "Sprain of cruciate ligament of knee"));
        assertThat(ids(r)).containsExactly("bw-acl-reconstruction");
        assertThat(r.regimens().get(0).matches().get(0).note()).contains("broader", "confirm ACL");
    }

    @Test
    void aCodeOfAnUnknownSystemMatchesNothing() {
        assertThat(ids(match(condition("http://example.org/icd-10-xx", "I63.5", "Stroke"))))
                .isEmpty();
    }

    @Test
    void everyIcd10cmPrefixOfTheCatalogueIsMappedForEveryEdition() {
        Icd10Editions editions = Icd10Editions.loadDefault();
        List<String> prefixes = TestFhir.CATALOGUE.planDefinitions().stream()
                .flatMap(pd -> ApplicableCondition.of(pd).stream())
                .flatMap(ac -> java.util.stream.Stream.of(
                                ac.icdPrefixes(), ac.curatedIcdPrefixes(), ac.requiresAlsoIcdPrefixes())
                        .flatMap(List::stream))
                .distinct()
                .toList();
        for (String system : List.of(WHO, GM)) {
            assertThat(prefixes).allSatisfy(p -> assertThat(editions.map(system, p))
                    .as("%s %s", system, p)
                    .isPresent());
        }
    }

    @Test
    void aResolvedStrokeWithinFiveYearsIsAChronicStrokeCandidateMarkedHistory() {
        Condition stroke =
                withClinicalStatus(onsetDaysAgo(snomed("230690007", "Cerebrovascular accident"), 700), "resolved");
        MatchResult r = match(stroke);
        assertThat(ids(r)).containsExactly("bw-stroke-chronic");
        assertThat(r.regimens().get(0).matches().get(0).note())
                .contains("history of stroke: confirm rehabilitation need", "resolved");
        assertThat(r.notes()).noneMatch(n -> n.contains("ignored"));
    }

    @Test
    void aResolvedStrokeOlderThanFiveYearsIsIgnored() {
        Condition stroke =
                withClinicalStatus(onsetDaysAgo(snomed("230690007", "Cerebrovascular accident"), 2000), "resolved");
        MatchResult r = match(stroke);
        assertThat(ids(r)).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("ignored"));
    }

    @Test
    void aResolvedStrokeWithoutOnsetIsNoHistoryButAnInactiveSequelaCodeIs() {
        assertThat(ids(match(withClinicalStatus(snomed("230690007", "Cerebrovascular accident"), "resolved"))))
                .isEmpty();
        MatchResult sequela =
                match(withClinicalStatus(icd("I69.351", "Hemiplegia following cerebral infarction"), "inactive"));
        assertThat(ids(sequela)).containsExactly("bw-stroke-chronic");
        assertThat(sequela.regimens().get(0).matches().get(0).note()).contains("sequela code");
    }

    @Test
    void aResolvedKneeOsteoarthritisIsNoHistory() {
        assertThat(ids(match(withClinicalStatus(
                        onsetDaysAgo(snomed("239873007", "Osteoarthritis of knee"), 300), "resolved"))))
                .isEmpty();
    }
}
