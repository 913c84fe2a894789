package org.rehabfhir.protocols.matching;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.protocols.Fixtures.TODAY;
import static org.rehabfhir.protocols.Fixtures.icd;
import static org.rehabfhir.protocols.Fixtures.onsetDaysAgo;
import static org.rehabfhir.protocols.Fixtures.patientAged;
import static org.rehabfhir.protocols.Fixtures.snomed;

import java.util.ArrayList;
import java.util.List;
import java.util.Optional;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.protocols.Fixtures;
import org.rehabfhir.protocols.TestFhir;
import org.rehabfhir.protocols.catalogue.RehabCodes;

class ConditionMatcherTest {

    private final ConditionMatcher matcher =
            new ConditionMatcher(TestFhir.CATALOGUE, SnomedSubsumption.UNKNOWN, Fixtures.ZONE);

    private List<String> regimenIds(MatchResult r) {
        return r.regimens().stream()
                .map(m -> m.planDefinition().getIdElement().getIdPart())
                .toList();
    }

    private MatchResult match(Condition... conditions) {
        return matcher.match(patientAged(60), List.of(conditions), List.of(), TODAY);
    }

    static Stream<Arguments> snomedCodedPatients() {
        return Stream.of(
                Arguments.of("239873007", 0, "bw-knee-osteoarthritis"),
                Arguments.of("230690007", 200, "bw-stroke-chronic"),
                Arguments.of("230690007", 5, "bw-stroke-acute"),
                Arguments.of("49049000", 0, "bw-parkinsons-disease"),
                Arguments.of("24700007", 0, "bw-multiple-sclerosis"),
                Arguments.of("444470001", 0, "bw-acl-reconstruction"),
                Arguments.of("430725003", 0, "bw-patellofemoral-pain"),
                Arguments.of("278860009", 0, "bw-chronic-low-back-pain"));
    }

    @ParameterizedTest(name = "SNOMED {0} (onset {1} d) -> {2}")
    @MethodSource("snomedCodedPatients")
    void snomedCodedPatientGetsTheRegimenOfItsConditionGroup(String code, int onsetDays, String regimen) {
        Condition c = snomed(code, "test");
        if (onsetDays > 0) {
            onsetDaysAgo(c, onsetDays);
        }
        MatchResult r = match(c);
        assertThat(regimenIds(r)).containsExactly(regimen);
        assertThat(r.regimens().get(0).matches()).first().satisfies(m -> assertThat(m.method())
                .isEqualTo(MatchMethod.SNOMED_EXACT));
    }

    static Stream<Arguments> icdCodedPatients() {
        return Stream.of(
                Arguments.of(List.of("M17.11"), 0, "bw-knee-osteoarthritis"),
                Arguments.of(List.of("M17.0"), 0, "bw-knee-osteoarthritis"),
                Arguments.of(List.of("I63.512"), 120, "bw-stroke-chronic"),
                Arguments.of(List.of("I69.351"), 0, "bw-stroke-chronic"),
                Arguments.of(List.of("I63.512"), 4, "bw-stroke-acute"),
                Arguments.of(List.of("G20.A1"), 0, "bw-parkinsons-disease"),
                Arguments.of(List.of("G20.B2"), 0, "bw-parkinsons-disease"),
                Arguments.of(List.of("G35.A"), 0, "bw-multiple-sclerosis"),
                Arguments.of(List.of("S83.511A"), 0, "bw-acl-reconstruction"),
                Arguments.of(List.of("M22.2X1"), 0, "bw-patellofemoral-pain"),
                Arguments.of(List.of("M54.50", "G89.29"), 0, "bw-chronic-low-back-pain"));
    }

    @ParameterizedTest(name = "ICD-10-CM {0} (onset {1} d) -> {2}")
    @MethodSource("icdCodedPatients")
    void icd10cmCodedPatientGetsTheRegimenByPrefix(List<String> codes, int onsetDays, String regimen) {
        List<Condition> conditions = new ArrayList<>();
        for (String code : codes) {
            Condition c = icd(code, "test");
            if (onsetDays > 0) {
                onsetDaysAgo(c, onsetDays);
            }
            conditions.add(c);
        }
        MatchResult r = matcher.match(patientAged(60), conditions, List.of(), TODAY);
        assertThat(regimenIds(r)).containsExactly(regimen);
        assertThat(r.regimens().get(0).matches())
                .extracting(ConditionMatch::code)
                .contains(codes.get(0));
    }

    @Test
    void strokeWithoutOnsetDateMatchesBothStrokeRegimensAndSaysSo() {
        MatchResult r = match(snomed("230690007", "CVA"));
        assertThat(regimenIds(r)).containsExactlyInAnyOrder("bw-stroke-chronic", "bw-stroke-acute");
        assertThat(r.regimens().get(0).matches().get(0).note()).contains("onset date unknown");
    }

    @Test
    void lowBackPainIcdCodeWithoutChronicPainCoCodeDoesNotMatch() {
        assertThat(regimenIds(match(icd("M54.50", "Low back pain")))).isEmpty();
    }

    @Test
    void olderAdultWithFallHistoryCodeMatchesFallRiskRegimen() {
        MatchResult r = matcher.match(patientAged(72), List.of(icd("Z91.81", "History of falling")), List.of(), TODAY);
        assertThat(regimenIds(r)).containsExactly("bw-older-adult-fall-risk");
        assertThat(r.regimens().get(0).matches().get(0).method()).isEqualTo(MatchMethod.CURATED_ICD10CM_PREFIX);
    }

    @Test
    void olderAdultWithSlowBackwardWalkTestMatchesFallRiskRegimen() {
        Observation test = Fixtures.quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, 6.8, "s", 3);
        MatchResult r = matcher.match(patientAged(70), List.of(), List.of(test), TODAY);
        assertThat(regimenIds(r)).containsExactly("bw-older-adult-fall-risk");
        assertThat(r.regimens().get(0).matches().get(0).method()).isEqualTo(MatchMethod.OBSERVATION);
    }

    @Test
    void fastBackwardWalkTestIsNotAFallRisk() {
        Observation test = Fixtures.quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, 5.1, "s", 3);
        assertThat(regimenIds(matcher.match(patientAged(70), List.of(), List.of(test), TODAY)))
                .isEmpty();
    }

    @Test
    void aBackwardWalkTestInMillisecondsIsConvertedToSeconds() {
        // 6,800 ms = 6.8 s: above the 5.5 s cut-off (and 5,100 ms = 5.1 s below it)
        Observation slow = Fixtures.quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, 6800, "ms", 3);
        assertThat(regimenIds(matcher.match(patientAged(70), List.of(), List.of(slow), TODAY)))
                .containsExactly("bw-older-adult-fall-risk");
        Observation fast = Fixtures.quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, 5100, "ms", 3);
        assertThat(regimenIds(matcher.match(patientAged(70), List.of(), List.of(fast), TODAY)))
                .isEmpty();
    }

    @Test
    void aBackwardWalkTestInAUnitThatIsNoTimeIsNoFallRisk() {
        Observation metres = Fixtures.quantity(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, 6.8, "m", 3);
        assertThat(regimenIds(matcher.match(patientAged(70), List.of(), List.of(metres), TODAY)))
                .isEmpty();
    }

    @Test
    void youngerAdultWithFallHistoryDoesNotMatchOlderAdultRegimen() {
        MatchResult r = matcher.match(patientAged(50), List.of(icd("Z91.81", "History of falling")), List.of(), TODAY);
        assertThat(regimenIds(r)).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("age >= 65"));
    }

    @Test
    void resolvedConditionIsIgnoredWithANote() {
        MatchResult r = match(Fixtures.withClinicalStatus(snomed("239873007", "Knee OA"), "resolved"));
        assertThat(r.regimens()).isEmpty();
        assertThat(r.notes()).anyMatch(n -> n.contains("resolved"));
    }

    @Test
    void refutedOrEnteredInErrorConditionIsIgnored() {
        assertThat(match(Fixtures.withVerificationStatus(snomed("239873007", "Knee OA"), "refuted"))
                        .regimens())
                .isEmpty();
        assertThat(match(Fixtures.withVerificationStatus(icd("M17.11", "Knee OA"), "entered-in-error"))
                        .regimens())
                .isEmpty();
    }

    @Test
    void relapseClinicalStatusStillCountsAsActive() {
        assertThat(regimenIds(match(Fixtures.withClinicalStatus(icd("G35.B", "MS"), "relapse"))))
                .containsExactly("bw-multiple-sclerosis");
    }

    @Test
    void curatedDescendantMatchesWhenNoTerminologyServerAnswers() {
        MatchResult r = match(onsetDaysAgo(snomed("422504002", "Ischemic stroke"), 3));
        assertThat(regimenIds(r)).containsExactly("bw-stroke-acute");
        assertThat(r.regimens().get(0).matches().get(0).method()).isEqualTo(MatchMethod.CURATED_DESCENDANT);
    }

    @Test
    void terminologyServerSubsumptionMatchesADescendantOutsideTheCuratedTable() {
        SnomedSubsumption server = (ancestor, code) -> Optional.of(ancestor.equals("49049000") && code.equals("999"));
        MatchResult r = new ConditionMatcher(TestFhir.CATALOGUE, server, Fixtures.ZONE)
                .match(patientAged(60), List.of(snomed("999", "some parkinsonism subtype")), List.of(), TODAY);
        assertThat(regimenIds(r)).containsExactly("bw-parkinsons-disease");
        assertThat(r.regimens().get(0).matches().get(0).method()).isEqualTo(MatchMethod.TERMINOLOGY_SERVER);
    }

    @Test
    void terminologyServerSayingNoOverridesTheCuratedTable() {
        SnomedSubsumption server = (ancestor, code) -> Optional.of(false);
        MatchResult r = new ConditionMatcher(TestFhir.CATALOGUE, server, Fixtures.ZONE)
                .match(patientAged(60), List.of(snomed("426373005", "RRMS")), List.of(), TODAY);
        assertThat(r.regimens()).isEmpty();
    }

    @Test
    void failingTerminologyServerFallsBackToTheCuratedTable() {
        SnomedSubsumption server = (ancestor, code) -> {
            throw new IllegalStateException("terminology server down");
        };
        MatchResult r = new ConditionMatcher(TestFhir.CATALOGUE, server, Fixtures.ZONE)
                .match(patientAged(60), List.of(snomed("426373005", "RRMS")), List.of(), TODAY);
        assertThat(regimenIds(r)).containsExactly("bw-multiple-sclerosis");
        assertThat(r.regimens().get(0).matches().get(0).method()).isEqualTo(MatchMethod.CURATED_DESCENDANT);
    }

    @Test
    void severalRegimensAreRankedByEvidenceStrength() {
        MatchResult r = match(icd("M22.2X1", "PFP"), icd("G35.A", "MS"), icd("M17.11", "Knee OA"), icd("G20.A1", "PD"));
        assertThat(regimenIds(r))
                .containsExactly(
                        "bw-knee-osteoarthritis",
                        "bw-parkinsons-disease",
                        "bw-multiple-sclerosis",
                        "bw-patellofemoral-pain");
        assertThat(r.regimens())
                .extracting(RegimenMatch::evidenceLabel)
                .containsExactly("[T]", "[T, low]", "[Reg]", "[P]");
    }

    @Test
    void unrelatedConditionMatchesNothing() {
        MatchResult r = match(icd("E11.9", "Type 2 diabetes"));
        assertThat(r.regimens()).isEmpty();
        assertThat(r.clinicianAuthored()).isEmpty();
    }

    static Stream<Arguments> noTemplateConditions() {
        return Stream.of(
                Arguments.of(snomed("359817006", "Hip fracture"), "hip-fracture"),
                Arguments.of(icd("S72.001D", "Fracture of right femoral neck, subsequent encounter"), "hip-fracture"),
                Arguments.of(snomed("609588000", "Total knee replacement"), "knee-replacement"),
                Arguments.of(icd("Z96.651", "Presence of right artificial knee joint"), "knee-replacement"),
                Arguments.of(icd("Z96.641", "Presence of right artificial hip joint"), "hip-replacement"),
                Arguments.of(Fixtures.textOnly("Status post total hip arthroplasty"), "hip-replacement"),
                Arguments.of(Fixtures.textOnly("ORIF left ankle fracture"), "ankle-surgery"));
    }

    @ParameterizedTest(name = "{1}")
    @MethodSource("noTemplateConditions")
    void conditionWithoutTemplateIsRecognisedAsClinicianAuthored(Condition c, String group) {
        MatchResult r = match(c);
        assertThat(r.regimens()).isEmpty();
        assertThat(r.clinicianAuthored())
                .extracting(ClinicianAuthoredFinding::group)
                .containsExactly(group);
    }
}
