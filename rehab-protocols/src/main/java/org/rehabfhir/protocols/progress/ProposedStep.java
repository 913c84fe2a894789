package org.rehabfhir.protocols.progress;

import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;

/**
 * The next activity the clinician may adopt.
 *
 * @param activityIndex  index in {@code CarePlan.activity} of the activity changed (for NEXT_PHASE: the next one)
 * @param dimension      what changes
 * @param from           current value, human-readable (e.g. "10 min")
 * @param to             proposed value (e.g. "15 min")
 * @param proposedDetail the activity detail with the change applied (a copy; the CarePlan is not modified)
 */
public record ProposedStep(
        int activityIndex,
        StepDimension dimension,
        String from,
        String to,
        CarePlanActivityDetailComponent proposedDetail) {}
