package org.rehabfhir.server.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;

/** Conformance resources of our own (CodeSystems, ValueSets, StructureDefinitions) that writes are validated against. */
public interface ProjectConformanceResources {

    IValidationSupport validationSupport(FhirContext fhirContext);
}
