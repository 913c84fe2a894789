package org.rehabfhir.server.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.common.hapi.validation.support.CommonCodeSystemsTerminologyService;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.SnapshotGeneratingValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.UnknownCodeSystemWarningValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.common.hapi.validation.validator.FhirInstanceValidator;
import org.hl7.fhir.r5.utils.validation.constants.BestPracticeWarningLevel;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Validation on write: every create, update and transaction body is validated as FHIR R4 (structure,
 * cardinality, required value set bindings) by HAPI's instance validator before anything is stored. An
 * error-level finding rejects the whole request with an OperationOutcome (422).
 *
 * <p>The validator works from the core R4 definitions plus the project's own conformance resources (any
 * {@link ProjectConformanceResources} bean, e.g. the protocol catalogue's CodeSystems and StructureDefinitions, and
 * the deployment's IG packages, {@link IgPackageConfig}).
 * Code systems the server does not hold (SNOMED CT, ICD-10-CM, LOINC) give a warning, not an error.
 */
@Configuration
public class RequestValidationConfig {

    @Bean
    @ConditionalOnProperty(
            prefix = "rehab.fhir",
            name = "validate-requests",
            havingValue = "true",
            matchIfMissing = true)
    public RehabRequestValidatingInterceptor requestValidatingInterceptor(
            FhirContext fhirContext, ObjectProvider<ProjectConformanceResources> projectResources) {
        RehabRequestValidatingInterceptor interceptor = new RehabRequestValidatingInterceptor();
        interceptor.setValidatorModules(List.of(instanceValidator(fhirContext, projectResources)));
        interceptor.setFailOnSeverity(ResultSeverityEnum.ERROR);
        interceptor.setAddResponseHeaderOnSeverity(null);
        interceptor.setAddResponseOutcomeHeaderOnSeverity(null);
        return interceptor;
    }

    /** The patched resource of a PATCH, validated with the same rules (finding 10 of issue 10). */
    @Bean
    @ConditionalOnProperty(
            prefix = "rehab.fhir",
            name = "validate-requests",
            havingValue = "true",
            matchIfMissing = true)
    public PatchResultValidatingInterceptor patchResultValidatingInterceptor(
            FhirContext fhirContext, ObjectProvider<ProjectConformanceResources> projectResources) {
        FhirValidator validator = fhirContext.newValidator();
        validator.registerValidatorModule(instanceValidator(fhirContext, projectResources));
        return new PatchResultValidatingInterceptor(validator);
    }

    static IValidatorModule instanceValidator(
            FhirContext fhirContext, ObjectProvider<ProjectConformanceResources> projectResources) {
        List<IValidationSupport> supports = new ArrayList<>();
        supports.add(new DefaultProfileValidationSupport(fhirContext));
        projectResources.orderedStream().forEach(resources -> supports.add(resources.validationSupport(fhirContext)));
        supports.add(new CommonCodeSystemsTerminologyService(fhirContext));
        supports.add(new InMemoryTerminologyServerValidationSupport(fhirContext));
        supports.add(new SnapshotGeneratingValidationSupport(fhirContext));
        supports.add(new UnknownCodeSystemWarningValidationSupport(fhirContext));
        ValidationSupportChain chain = new ValidationSupportChain(supports.toArray(IValidationSupport[]::new));

        FhirInstanceValidator instanceValidator = new FhirInstanceValidator(chain);
        // Best-practice recommendations (e.g. dom-6 "should have narrative") are advice, not errors.
        instanceValidator.setBestPracticeWarningLevel(BestPracticeWarningLevel.Ignore);
        // A profile the server does not hold (US Core, a national profile) is a warning, not a refusal.
        instanceValidator.setErrorForUnknownProfiles(false);
        return new RealRecordSeverityPolicy(instanceValidator, chain);
    }
}
