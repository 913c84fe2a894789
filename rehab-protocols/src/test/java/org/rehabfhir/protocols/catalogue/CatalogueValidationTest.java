package org.rehabfhir.protocols.catalogue;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.SingleValidationMessage;
import ca.uhn.fhir.validation.ValidationResult;
import java.util.List;
import java.util.stream.Stream;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.StructureDefinition;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.protocols.TestFhir;

class CatalogueValidationTest {

    private static FhirValidator validator;

    @BeforeAll
    static void setUpValidator() {
        FhirContext ctx = TestFhir.CTX;
        PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(ctx);
        TestFhir.CATALOGUE.codeSystems().forEach(ours::addCodeSystem);
        TestFhir.CATALOGUE.structureDefinitions().forEach(ours::addStructureDefinition);
        ValidationSupportChain chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx),
                ours);
        FhirInstanceValidator module = new FhirInstanceValidator(chain);
        // An extension the validator cannot resolve must be an error, so our StructureDefinitions are really used.
        module.setAnyExtensionsAllowed(false);
        validator = ctx.newValidator();
        validator.registerValidatorModule(module);
        supportChain = chain;
    }

    private static ValidationSupportChain supportChain;

    /**
     * org.hl7.fhir.validation 6.7.9 (HAPI 8.8.0), when it validates a StructureDefinition itself, resolves the
     * "other" FHIR versions of each element by downloading the hl7.fhir.r4.core package (version "4.0" does not
     * match the context's "4.0.1"); offline this surfaces as ERROR_GENERATING_SNAPSHOT "Unable to resolve package
     * id". Only that message, only on StructureDefinitions, is tolerated; snapshot generation is asserted
     * separately below, and extension use is validated on every PlanDefinition/ActivityDefinition.
     */
    private static boolean offlinePackageArtefact(IBaseResource resource, SingleValidationMessage m) {
        return resource instanceof StructureDefinition
                && "ERROR_GENERATING_SNAPSHOT".equals(m.getMessageId())
                && m.getMessage().contains("Unable to resolve package id");
    }

    static Stream<IBaseResource> catalogueResources() {
        return TestFhir.CATALOGUE.allResources().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("catalogueResources")
    void catalogueResourceValidatesAsR4WithoutErrors(IBaseResource resource) {
        ValidationResult result = validator.validateWithResult(resource);
        List<String> errors = result.getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .filter(m -> !offlinePackageArtefact(resource, m))
                .map(CatalogueValidationTest::describe)
                .toList();
        assertThat(errors).as(resource.getIdElement().getValue()).isEmpty();
    }

    static Stream<StructureDefinition> extensionDefinitions() {
        return TestFhir.CATALOGUE.structureDefinitions().stream();
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("extensionDefinitions")
    void extensionDefinitionSnapshotIsGeneratedByHapi(StructureDefinition definition) {
        StructureDefinition copy = definition.copy();
        IBaseResource generated = supportChain.generateSnapshot(
                new ValidationSupportContext(supportChain), copy, copy.getUrl(), "http://rehab-fhir.org/fhir", "rehab");
        assertThat(generated).isInstanceOf(StructureDefinition.class);
        StructureDefinition snapshot = (StructureDefinition) generated;
        assertThat(snapshot.getSnapshot().getElement())
                .extracting(e -> e.getPath())
                .contains("Extension", "Extension.url");
        assertThat(snapshot.getSnapshot().getElement())
                .filteredOn(e -> e.getPath().equals("Extension.url"))
                .first()
                .extracting(e -> e.getFixed().primitiveValue())
                .isEqualTo(definition.getUrl());
    }

    @Test
    void validatorRejectsAnExtensionValueOfTheWrongType() {
        PlanDefinition broken = TestFhir.CATALOGUE.planDefinitions().get(0).copy();
        broken.addExtension(RehabCodes.EXT_SUPERVISION, new StringType("2"));
        ValidationResult result = validator.validateWithResult(broken);
        assertThat(result.getMessages())
                .filteredOn(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .isNotEmpty();
    }

    @Test
    void validatorRejectsAnUnknownExtension() {
        PlanDefinition broken = TestFhir.CATALOGUE.planDefinitions().get(0).copy();
        broken.addExtension("http://rehab-fhir.org/fhir/StructureDefinition/not-defined", new StringType("x"));
        ValidationResult result = validator.validateWithResult(broken);
        assertThat(result.getMessages())
                .filteredOn(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .isNotEmpty();
    }

    private static String describe(SingleValidationMessage m) {
        return m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage();
    }
}
