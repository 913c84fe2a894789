package org.rehabfhir.server.validation;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import ca.uhn.fhir.util.BundleUtil;
import ca.uhn.fhir.util.bundle.BundleEntryParts;
import ca.uhn.fhir.validation.FhirValidator;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import ca.uhn.fhir.validation.ValidationResult;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;

/**
 * The result of a PATCH is validated like a created or updated resource: request validation only sees the patch
 * document (JSON Patch, FHIRPath Parameters), so without this a patch removing {@code Observation.code} is stored
 * although the same content is refused (422) on create. Runs at HAPI's pre-storage hook of the update a patch
 * becomes, for PATCH requests and for transactions with PATCH entries; an error-level finding is a 422 with the
 * validator's OperationOutcome and the transaction rolls back.
 */
@Interceptor
public class PatchResultValidatingInterceptor {

    private final FhirValidator validator;

    public PatchResultValidatingInterceptor(FhirValidator validator) {
        this.validator = validator;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void validatePatched(RequestDetails request, IBaseResource oldResource, IBaseResource newResource) {
        if (request == null || newResource == null || !isPatch(request)) {
            return;
        }
        ValidationResult result = validator.validateWithResult(newResource);
        boolean error = result.getMessages().stream()
                .anyMatch(m ->
                        m.getSeverity() != null && m.getSeverity().ordinal() >= ResultSeverityEnum.ERROR.ordinal());
        if (error) {
            throw new UnprocessableEntityException(request.getFhirContext(), result.toOperationOutcome());
        }
    }

    private static boolean isPatch(RequestDetails request) {
        RestOperationTypeEnum operation = request.getRestOperationType();
        if (operation == RestOperationTypeEnum.PATCH) {
            return true;
        }
        if (operation == RestOperationTypeEnum.TRANSACTION && request.getResource() instanceof IBaseBundle bundle) {
            FhirContext fhir = request.getFhirContext();
            for (BundleEntryParts entry : BundleUtil.toListOfEntries(fhir, bundle)) {
                if (entry.getRequestType() == RequestTypeEnum.PATCH) {
                    return true;
                }
            }
        }
        return false;
    }
}
