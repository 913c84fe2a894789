package org.rehabfhir.server.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import ca.uhn.hapi.fhir.cdshooks.controller.CdsHooksController;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.web.bind.annotation.ExceptionHandler;
import org.springframework.web.bind.annotation.RestControllerAdvice;

/**
 * HAPI's CDS Hooks controller signals errors as HAPI exceptions (400 bad request, 404 unknown service, 412 prefetch
 * that cannot be resolved, 403): answered with their status and an OperationOutcome, no stack trace.
 */
@RestControllerAdvice(assignableTypes = CdsHooksController.class)
public class CdsErrorHandler {

    private static final Logger log = LoggerFactory.getLogger(CdsErrorHandler.class);
    private static final FhirContext FHIR = FhirContext.forR4Cached();

    @ExceptionHandler(BaseServerResponseException.class)
    public ResponseEntity<String> hapiError(BaseServerResponseException e) {
        log.info("CDS Hooks request refused: {} {}", e.getStatusCode(), e.getMessage());
        OperationOutcome outcome = new OperationOutcome();
        outcome.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(
                        e.getStatusCode() == 403
                                ? OperationOutcome.IssueType.FORBIDDEN
                                : OperationOutcome.IssueType.PROCESSING)
                .setDiagnostics(e.getMessage());
        return ResponseEntity.status(e.getStatusCode())
                .contentType(MediaType.valueOf("application/fhir+json"))
                .body(FHIR.newJsonParser().encodeResourceToString(outcome));
    }
}
