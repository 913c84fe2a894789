package org.rehabfhir.protocols.recommend;

import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.rehabfhir.protocols.matching.RegimenMatch;
import org.rehabfhir.protocols.screening.ScreeningResult;

/**
 * One recommended regimen.
 *
 * @param rank           1 = first choice
 * @param planDefinition the catalogue regimen
 * @param carePlan       the draft CarePlan (its contained OperationOutcome {@code #explanation} repeats
 *                       {@code explanation})
 * @param match          which conditions matched, by which code and how
 * @param screening      the safety screening for this regimen
 * @param explanation    sentences for clinicians: match, evidence, screening
 */
public record Candidate(
        int rank,
        PlanDefinition planDefinition,
        CarePlan carePlan,
        RegimenMatch match,
        ScreeningResult screening,
        List<String> explanation) {

    public Candidate {
        explanation = List.copyOf(explanation);
    }

    /** e.g. "[T]". */
    public String evidenceLabel() {
        return match.evidenceLabel();
    }
}
