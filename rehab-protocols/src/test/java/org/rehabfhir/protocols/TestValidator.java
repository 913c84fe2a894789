package org.rehabfhir.protocols;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.instance.model.api.IBaseResource;

/** HAPI's R4 instance validator with our CodeSystems and StructureDefinitions; unknown extensions are errors. */
public final class TestValidator {

    public static final ValidationSupportChain CHAIN;
    public static final FhirValidator VALIDATOR;

    static {
        FhirContext ctx = TestFhir.CTX;
        PrePopulatedValidationSupport ours = new PrePopulatedValidationSupport(ctx);
        TestFhir.CATALOGUE.codeSystems().forEach(ours::addCodeSystem);
        TestFhir.CATALOGUE.structureDefinitions().forEach(ours::addStructureDefinition);
        CHAIN = new ValidationSupportChain(
                new DefaultProfileValidationSupport(ctx),
                new CommonCodeSystemsTerminologyService(ctx),
                new InMemoryTerminologyServerValidationSupport(ctx),
                new SnapshotGeneratingValidationSupport(ctx),
                ours);
        FhirInstanceValidator module = new FhirInstanceValidator(CHAIN);
        module.setAnyExtensionsAllowed(false);
        VALIDATOR = ctx.newValidator();
        VALIDATOR.registerValidatorModule(module);
    }

    private TestValidator() {}

    /** Error and fatal messages, "severity location: message". */
    public static List<String> errors(IBaseResource resource) {
        return VALIDATOR.validateWithResult(resource).getMessages().stream()
                .filter(m -> m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal())
                .map(m -> m.getSeverity() + " " + m.getLocationString() + ": " + m.getMessage())
                .toList();
    }
}
