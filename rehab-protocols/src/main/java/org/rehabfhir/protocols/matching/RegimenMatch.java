package org.rehabfhir.protocols.matching;

import java.util.List;
import org.hl7.fhir.r4.model.PlanDefinition;

/**
 * A regimen that applies to the patient, with every reason it applies.
 *
 * @param planDefinition the catalogue regimen (shared, do not modify)
 * @param group          condition-group code (CodeSystem condition-group)
 * @param evidenceCode   evidence-level code (CodeSystem evidence-level)
 * @param evidenceLabel  short label, e.g. "[T]"
 * @param evidenceRank   1 = strongest (evidence-level CodeSystem property "rank")
 * @param matches        the matching Conditions/Observations, best first
 */
public record RegimenMatch(
        PlanDefinition planDefinition,
        String group,
        String evidenceCode,
        String evidenceLabel,
        int evidenceRank,
        List<ConditionMatch> matches) {

    public RegimenMatch {
        matches = List.copyOf(matches);
    }

    /** The most direct match method (for ranking ties). */
    public MatchMethod bestMethod() {
        return matches.stream().map(ConditionMatch::method).min(Enum::compareTo).orElse(MatchMethod.TEXT);
    }
}
