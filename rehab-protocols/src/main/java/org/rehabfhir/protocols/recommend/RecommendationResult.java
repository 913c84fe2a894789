package org.rehabfhir.protocols.recommend;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.rehabfhir.protocols.matching.ClinicianAuthoredFinding;

/** What the recommender answers. Exactly one of: candidates, excluded, or no regimen (with the reason). */
public final class RecommendationResult {

    /** The kind of answer. */
    public enum Outcome {
        /** At least one regimen, as draft CarePlans. */
        CANDIDATES,
        /** Regimens matched but safety screening excluded the patient from all of them. */
        EXCLUDED,
        /** Nothing to recommend; see {@link #noRegimenReason()}. */
        NO_REGIMEN
    }

    /** Why there is no regimen. */
    public enum NoRegimenReason {
        /** No active condition matches any regimen. */
        NO_MATCHING_CONDITION,
        /** Hip fracture, knee/hip replacement or ankle surgery: no template, a clinician must author the plan. */
        CLINICIAN_AUTHORED_PLAN_REQUIRED
    }

    private final Outcome outcome;
    private final List<Candidate> candidates;
    private final OperationOutcome exclusion;
    private final NoRegimenReason noRegimenReason;
    private final List<ClinicianAuthoredFinding> clinicianAuthored;
    private final List<String> messages;

    private RecommendationResult(
            Outcome outcome,
            List<Candidate> candidates,
            OperationOutcome exclusion,
            NoRegimenReason reason,
            List<ClinicianAuthoredFinding> clinicianAuthored,
            List<String> messages) {
        this.outcome = outcome;
        this.candidates = List.copyOf(candidates);
        this.exclusion = exclusion;
        this.noRegimenReason = reason;
        this.clinicianAuthored = List.copyOf(clinicianAuthored);
        this.messages = List.copyOf(messages);
    }

    static RecommendationResult candidates(
            List<Candidate> candidates, List<ClinicianAuthoredFinding> ca, List<String> messages) {
        return new RecommendationResult(Outcome.CANDIDATES, candidates, null, null, ca, messages);
    }

    static RecommendationResult excluded(
            OperationOutcome oo, List<ClinicianAuthoredFinding> ca, List<String> messages) {
        return new RecommendationResult(Outcome.EXCLUDED, List.of(), oo, null, ca, messages);
    }

    static RecommendationResult noRegimen(
            NoRegimenReason reason, List<ClinicianAuthoredFinding> ca, List<String> messages) {
        return new RecommendationResult(Outcome.NO_REGIMEN, List.of(), null, reason, ca, messages);
    }

    public Outcome outcome() {
        return outcome;
    }

    /** Ranked candidates (empty unless CANDIDATES). */
    public List<Candidate> candidates() {
        return candidates;
    }

    /** The exclusion OperationOutcome: one issue per criterion (present only when EXCLUDED). */
    public Optional<OperationOutcome> exclusion() {
        return Optional.ofNullable(exclusion);
    }

    /** Present only when NO_REGIMEN. */
    public Optional<NoRegimenReason> noRegimenReason() {
        return Optional.ofNullable(noRegimenReason);
    }

    /** Conditions without a template that were recognised (any outcome). */
    public List<ClinicianAuthoredFinding> clinicianAuthored() {
        return clinicianAuthored;
    }

    /** Human-readable reasons and notes (ignored Conditions, regimens excluded for one group, ...). */
    public List<String> messages() {
        return messages;
    }
}
