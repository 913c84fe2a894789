package org.rehabfhir.server.pathway;

import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import org.hl7.fhir.r4.model.OperationOutcome;

/** 422 answers of the care-pathway steps: the step's own sentence first, then every issue it rests on. */
final class Outcomes {

    private Outcomes() {}

    static UnprocessableEntityException unprocessable(String message, OperationOutcome details) {
        OperationOutcome oo = new OperationOutcome();
        oo.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.PROCESSING)
                .setDiagnostics(message);
        details.getIssue().forEach(issue -> oo.addIssue(issue.copy()));
        return new UnprocessableEntityException(message, oo);
    }
}
