package org.rehabfhir.protocols.matching;

import java.util.List;

/**
 * Outcome of matching a patient's record against the catalogue.
 *
 * @param regimens           applicable regimens, ranked (strongest evidence first)
 * @param clinicianAuthored  conditions that need a clinician-authored plan
 * @param notes              why some Conditions were ignored (inactive, refuted, co-code missing...)
 */
public record MatchResult(
        List<RegimenMatch> regimens, List<ClinicianAuthoredFinding> clinicianAuthored, List<String> notes) {

    public MatchResult {
        regimens = List.copyOf(regimens);
        clinicianAuthored = List.copyOf(clinicianAuthored);
        notes = List.copyOf(notes);
    }
}
