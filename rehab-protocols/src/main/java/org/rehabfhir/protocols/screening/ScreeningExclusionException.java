package org.rehabfhir.protocols.screening;

import org.hl7.fhir.r4.model.OperationOutcome;

/** Thrown when a plan is requested for a patient an absolute criterion excludes. Carries the OperationOutcome. */
public class ScreeningExclusionException extends RuntimeException {

    private static final long serialVersionUID = 1L;
    private final transient ScreeningResult screening;

    public ScreeningExclusionException(ScreeningResult screening) {
        super("Safety screening excluded the patient: "
                + screening.withStatus(CriterionStatus.EXCLUDED).stream()
                        .map(r -> r.criterion().code())
                        .toList());
        this.screening = screening;
    }

    public ScreeningResult screening() {
        return screening;
    }

    public OperationOutcome operationOutcome() {
        return screening.toOperationOutcome();
    }
}
