package org.rehabfhir.protocols.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Set;
import java.util.stream.Collectors;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.MetadataResource;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.protocols.TestFhir;

class CatalogueContentTest {

    /** The verified codes of the clinical brief ("Codes" section), copied by hand: system|code. */
    private static final Set<String> BRIEF_VERIFIED_CODES = Set.of(
            // SNOMED CT conditions and interventions
            "http://snomed.info/sct|230690007",
            "http://snomed.info/sct|239873007",
            "http://snomed.info/sct|49049000",
            "http://snomed.info/sct|24700007",
            "http://snomed.info/sct|359817006",
            "http://snomed.info/sct|609588000",
            "http://snomed.info/sct|161679004",
            "http://snomed.info/sct|430725003",
            "http://snomed.info/sct|278860009",
            "http://snomed.info/sct|444470001",
            "http://snomed.info/sct|229065009",
            "http://snomed.info/sct|91251008",
            // LOINC outcomes
            "http://loinc.org|89423-8",
            "http://loinc.org|72514-3",
            "http://loinc.org|8867-4",
            "http://loinc.org|82289-0",
            "http://loinc.org|72091-2",
            "http://loinc.org|72102-7",
            "http://loinc.org|55411-3",
            "http://loinc.org|82290-8",
            "http://loinc.org|89555-7",
            "http://loinc.org|68516-4",
            "http://loinc.org|83172-7");

    /** ICD-10-CM prefixes the brief states (I63.x, I69.3xx, M17.0/M17.1x, G20.x, G35.x, S72.0x, Z47.1, Z96.65x...). */
    private static final Set<String> BRIEF_ICD10CM_PREFIXES = Set.of(
            "I63", "I69.3", "M17.0", "M17.1", "G20", "G35", "S72.0", "Z47.1", "Z96.65", "M22.2", "M54.5", "G89.29",
            "S76.31");

    /** FHIR infrastructure code systems (not clinical terminology). */
    private static boolean isHl7Infrastructure(String system) {
        return system.startsWith("http://terminology.hl7.org/CodeSystem/")
                || system.equals("http://hl7.org/fhir/questionnaire-item-control");
    }

    /** A unit is no clinical concept to verify, but it must be valid UCUM (the UCUM library says so). */
    private static boolean isValidUcumUnit(Coding c) {
        return RehabCodes.UCUM.equals(c.getSystem())
                && org.rehabfhir.protocols.record.Units.convertible(c.getCode(), c.getCode());
    }

    private static final ProtocolCatalogue CATALOGUE = TestFhir.CATALOGUE;

    static Stream<IBaseResource> catalogueResources() {
        return CATALOGUE.allResources().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogueResources")
    void everyCodeIsBriefVerifiedOrOurOwn(IBaseResource resource) {
        List<Coding> codings = TestFhir.CTX.newTerser().getAllPopulatedChildElementsOfType(resource, Coding.class);
        List<String> offenders = codings.stream()
                .filter(c -> !BRIEF_VERIFIED_CODES.contains(c.getSystem() + "|" + c.getCode()))
                .filter(c -> !CATALOGUE.isLocalCode(c.getSystem(), c.getCode()))
                .filter(c -> !isHl7Infrastructure(c.getSystem()))
                .filter(c -> !isValidUcumUnit(c))
                .map(c -> c.getSystem() + "|" + c.getCode())
                .toList();
        assertThat(offenders).as(resource.getIdElement().getValue()).isEmpty();
    }

    @Test
    void icd10cmPrefixesAreFromTheBriefUnlessMarkedCurated() {
        List<String> prefixes = CATALOGUE.planDefinitions().stream()
                .flatMap(pd -> pd.getExtensionsByUrl(RehabCodes.EXT_APPLICABLE_CONDITION).stream())
                .flatMap(e -> Stream.concat(
                        e.getExtensionsByUrl("icd10cmPrefix").stream(),
                        e.getExtensionsByUrl("requiresAlsoIcd10cmPrefix").stream()))
                .map(e -> e.getValue().primitiveValue())
                .toList();
        assertThat(prefixes).isNotEmpty().allMatch(BRIEF_ICD10CM_PREFIXES::contains);
    }

    @Test
    void everyLocalCodeStandingInForAnExternalConceptIsMarkedUnverifiedAndMapped() {
        Set<String> mapped = CATALOGUE.conceptMaps().stream()
                .flatMap(cm -> cm.getGroup().stream())
                .flatMap(g -> g.getElement().stream().map(el -> g.getSource() + "|" + el.getCode()))
                .collect(Collectors.toSet());
        for (String system : List.of(RehabCodes.CS_OUTCOME, RehabCodes.CS_FINDING)) {
            var cs = CATALOGUE.codeSystem(system).orElseThrow();
            assertThat(cs.getConcept()).isNotEmpty().allSatisfy(concept -> {
                assertThat(concept.getProperty()).anySatisfy(p -> {
                    assertThat(p.getCode()).isEqualTo("verification");
                    assertThat(p.getValue().primitiveValue()).isEqualTo("unverified");
                });
                assertThat(mapped).contains(system + "|" + concept.getCode());
            });
        }
    }

    static Stream<PlanDefinition> regimens() {
        return CATALOGUE.planDefinitions().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("regimens")
    void everyRegimenHasAnEvidenceLabelAndACitation(PlanDefinition pd) {
        assertThat(ProtocolCatalogue.evidenceCode(pd)).isPresent().get().satisfies(code -> assertThat(
                        CATALOGUE.isLocalCode(RehabCodes.CS_EVIDENCE, code))
                .isTrue());
        assertThat(pd.getRelatedArtifact())
                .filteredOn(a -> a.getType() == RelatedArtifact.RelatedArtifactType.CITATION)
                .isNotEmpty()
                .allSatisfy(a -> assertThat(a.getCitation()).isNotBlank());
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("regimens")
    void everyPhaseResolvesToAnActivityDefinitionWithTimingSupervisionAndEvidence(PlanDefinition pd) {
        assertThat(pd.getAction()).isNotEmpty();
        for (PlanDefinition.PlanDefinitionActionComponent action : pd.getAction()) {
            ActivityDefinition ad = CATALOGUE
                    .activityDefinition(action.getDefinitionCanonicalType().getValue())
                    .orElseThrow(() -> new AssertionError("unresolved " + action.getDefinitionCanonicalType()));
            var repeat = ad.getTimingTiming().getRepeat();
            assertThat(repeat.hasFrequency() && repeat.hasPeriod() && repeat.hasPeriodUnit())
                    .isTrue();
            assertThat(repeat.hasDuration() && repeat.hasDurationUnit()).isTrue();
            assertThat(repeat.hasBoundsDuration()).isTrue();
            assertThat(ad.getExtensionByUrl(RehabCodes.EXT_SUPERVISION)).isNotNull();
            assertThat(ProtocolCatalogue.evidenceCode(ad)).isPresent();
            assertThat(ad.getCode().getCoding())
                    .extracting(Coding::getCode)
                    .contains(RehabCodes.SCT_EXERCISE_THERAPY, RehabCodes.LOCAL_BACKWARD_WALKING);
        }
    }

    @Test
    void catalogueCoversEveryRegimenRowOfTheBrief() {
        Set<String> groups = CATALOGUE.planDefinitions().stream()
                .flatMap(pd -> pd.getExtensionsByUrl(RehabCodes.EXT_APPLICABLE_CONDITION).stream())
                .map(e -> ((Coding) e.getExtensionByUrl("group").getValue()).getCode())
                .collect(Collectors.toSet());
        assertThat(groups)
                .containsExactlyInAnyOrder(
                        "knee-osteoarthritis",
                        "stroke-chronic",
                        "stroke-acute",
                        "parkinsons-disease",
                        "multiple-sclerosis",
                        "acl-reconstruction",
                        "patellofemoral-pain",
                        "chronic-low-back-pain-hamstrings",
                        "older-adult-fall-risk");
    }

    @Test
    void everyResourceHasAStableIdCanonicalAndVersion() {
        List<String> ids = CATALOGUE.allResources().stream()
                .map(r -> r.fhirType() + "/" + r.getIdElement().getIdPart())
                .toList();
        assertThat(ids).doesNotHaveDuplicates();
        assertThat(CATALOGUE.allResources()).allSatisfy(r -> {
            MetadataResource m = (MetadataResource) r;
            assertThat(m.getUrl())
                    .startsWith(RehabCodes.BASE + "/" + r.fhirType() + "/"
                            + m.getIdElement().getIdPart());
            assertThat(m.getVersion()).isNotBlank();
        });
    }

    @Test
    void lookupByCanonicalAcceptsVersionedAndUnversionedUrls() {
        PlanDefinition pd = CATALOGUE.planDefinitions().get(0);
        assertThat(CATALOGUE.planDefinitionByUrl(pd.getUrl())).get().satisfies(found -> assertThat(found.equalsDeep(pd))
                .isTrue());
        assertThat(CATALOGUE.planDefinitionByUrl(pd.getUrl() + "|" + pd.getVersion()))
                .get()
                .satisfies(found -> assertThat(found.equalsDeep(pd)).isTrue());
        assertThat(CATALOGUE.planDefinitionByUrl(pd.getUrl() + "|9.9.9")).isEmpty();
        String adUrl = pd.getActionFirstRep().getDefinitionCanonicalType().getValue();
        assertThat(CATALOGUE.activityDefinition(adUrl + "|" + pd.getVersion())).isPresent();
    }

    @Test
    void evidenceRanksFollowTheDocumentedOrder() {
        List<String> order = List.of("T", "SR", "T-low", "non-randomised", "low", "Reg", "P", "D");
        List<Integer> ranks = order.stream().map(CATALOGUE::evidenceRank).toList();
        assertThat(ranks).isSorted().doesNotHaveDuplicates().doesNotContain(Integer.MAX_VALUE);
    }

    @Test
    void everyRegimenNamesTheConditionGroupsItAppliesTo() {
        // Extension sanity: applicable-condition always names its group.
        assertThat(CATALOGUE.planDefinitions()).allSatisfy(pd -> {
            List<Extension> conds = pd.getExtensionsByUrl(RehabCodes.EXT_APPLICABLE_CONDITION);
            assertThat(conds).isNotEmpty().allSatisfy(e -> assertThat(e.getExtensionByUrl("group"))
                    .isNotNull());
        });
    }
}
