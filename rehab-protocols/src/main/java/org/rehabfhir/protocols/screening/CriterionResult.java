package org.rehabfhir.protocols.screening;

import java.util.List;

/**
 * One criterion's outcome.
 *
 * @param criterion the criterion
 * @param status    its outcome
 * @param detail    a sentence for clinicians (values, dates, thresholds)
 * @param evidence  references of the Conditions/Observations used
 */
public record CriterionResult(Criterion criterion, CriterionStatus status, String detail, List<String> evidence) {

    public CriterionResult {
        evidence = List.copyOf(evidence);
    }
}
