package org.rehabfhir.protocols.recommend;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.HashSet;
import java.util.List;
import java.util.Objects;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.matching.ClinicianAuthoredFinding;
import org.rehabfhir.protocols.matching.ConditionMatch;
import org.rehabfhir.protocols.matching.ConditionMatcher;
import org.rehabfhir.protocols.matching.MatchResult;
import org.rehabfhir.protocols.matching.RegimenMatch;
import org.rehabfhir.protocols.matching.SnomedSubsumption;
import org.rehabfhir.protocols.screening.SafetyScreener;
import org.rehabfhir.protocols.screening.ScreeningResult;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Patient record in, recommended regimens out: match conditions, screen for safety per regimen, instantiate draft
 * CarePlans (starting {@code today}). Stores nothing. Thread-safe.
 */
public final class RegimenRecommender {

    private static final Logger LOG = LoggerFactory.getLogger(RegimenRecommender.class);
    public static final String EXPLANATION_CONTAINED_ID = "explanation";

    private final ProtocolCatalogue catalogue;
    private final ConditionMatcher matcher;
    private final SafetyScreener screener;
    private final PlanApplier applier;

    /** @param zone the clinic's time zone (see {@link ConditionMatcher}, {@link SafetyScreener}) */
    public RegimenRecommender(ProtocolCatalogue catalogue, SnomedSubsumption subsumption, ZoneId zone) {
        this(
                catalogue,
                new ConditionMatcher(catalogue, subsumption, zone),
                new SafetyScreener(zone),
                new PlanApplier(catalogue));
    }

    public RegimenRecommender(
            ProtocolCatalogue catalogue, ConditionMatcher matcher, SafetyScreener screener, PlanApplier applier) {
        this.catalogue = Objects.requireNonNull(catalogue);
        this.matcher = Objects.requireNonNull(matcher);
        this.screener = Objects.requireNonNull(screener);
        this.applier = Objects.requireNonNull(applier);
    }

    public RecommendationResult recommend(
            Patient patient, List<Condition> conditions, List<Observation> observations, LocalDate today) {
        Objects.requireNonNull(today, "today");
        MatchResult match = matcher.match(patient, conditions, observations, today);
        List<String> messages = new ArrayList<>(match.notes());
        List<ClinicianAuthoredFinding> ca = match.clinicianAuthored();
        for (ClinicianAuthoredFinding f : ca) {
            messages.add("Clinician-authored plan required for "
                    + catalogue.display(RehabCodes.CS_CONDITION_GROUP, f.group()) + ": "
                    + f.match().explain());
        }
        if (match.regimens().isEmpty()) {
            if (!ca.isEmpty()) {
                return RecommendationResult.noRegimen(
                        RecommendationResult.NoRegimenReason.CLINICIAN_AUTHORED_PLAN_REQUIRED, ca, messages);
            }
            messages.add(0, "No active condition matches a backward-walking regimen in the catalogue");
            return RecommendationResult.noRegimen(
                    RecommendationResult.NoRegimenReason.NO_MATCHING_CONDITION, ca, messages);
        }
        Reference subject = subject(patient);
        List<Candidate> candidates = new ArrayList<>();
        List<ScreeningResult> exclusions = new ArrayList<>();
        for (RegimenMatch m : match.regimens()) {
            ScreeningResult s = screener.screen(conditions, observations, m.group(), today);
            String id = m.planDefinition().getIdElement().getIdPart();
            if (s.excluded()) {
                exclusions.add(s);
                messages.add("Regimen " + id + " excluded by safety screening");
                continue;
            }
            CarePlan cp = applier.apply(m.planDefinition(), subject, null, today, s);
            List<String> explanation = explain(m, s, ca, candidates.size() + 1);
            OperationOutcome oo = explanationOutcome(explanation);
            oo.setId(EXPLANATION_CONTAINED_ID);
            cp.addContained(oo);
            cp.addSupportingInfo(new Reference("#" + EXPLANATION_CONTAINED_ID).setDisplay("Why this regimen"));
            if (!ca.isEmpty()) {
                cp.addNote()
                        .setText("Also recorded: "
                                + ca.stream()
                                        .map(f -> catalogue.display(RehabCodes.CS_CONDITION_GROUP, f.group()))
                                        .distinct()
                                        .collect(Collectors.joining(", "))
                                + " (no template). A clinician must confirm this regimen is appropriate.");
            }
            candidates.add(new Candidate(candidates.size() + 1, m.planDefinition(), cp, m, s, explanation));
        }
        if (candidates.isEmpty()) {
            LOG.debug("All {} matching regimens excluded by screening", exclusions.size());
            return RecommendationResult.excluded(mergeExclusions(exclusions), ca, messages);
        }
        return RecommendationResult.candidates(candidates, ca, messages);
    }

    private List<String> explain(RegimenMatch m, ScreeningResult s, List<ClinicianAuthoredFinding> ca, int rank) {
        List<String> out = new ArrayList<>();
        out.add("Rank " + rank + ": " + m.planDefinition().getTitle() + " ("
                + m.planDefinition().getUrl() + "|" + m.planDefinition().getVersion() + ")");
        for (ConditionMatch c : m.matches()) {
            out.add("Matched " + catalogue.display(RehabCodes.CS_CONDITION_GROUP, m.group()) + ": " + c.explain());
        }
        out.add("Evidence " + m.evidenceLabel() + " (" + catalogue.display(RehabCodes.CS_EVIDENCE, m.evidenceCode())
                + "); ranked by evidence strength, then by how directly the condition matched");
        out.add("Screening: " + s.status().display()
                + (s.notAssessed().isEmpty()
                        ? ""
                        : "; not assessed: "
                                + s.notAssessed().stream().map(x -> x.code()).collect(Collectors.joining(", ")))
                + (s.overrideNeeded()
                        ? "; override needed: "
                                + s
                                        .withStatus(org.rehabfhir.protocols.screening.CriterionStatus.OVERRIDE_NEEDED)
                                        .stream()
                                        .map(x -> x.criterion().code())
                                        .collect(Collectors.joining(", "))
                        : "")
                + (s.supervisionRaised() ? "; supervision raised for fall history" : ""));
        if (!ca.isEmpty()) {
            out.add("Also recorded without template: "
                    + ca.stream()
                            .map(ClinicianAuthoredFinding::group)
                            .distinct()
                            .collect(Collectors.joining(", ")) + ": clinician to confirm");
        }
        return out;
    }

    private static OperationOutcome explanationOutcome(List<String> lines) {
        OperationOutcome oo = new OperationOutcome();
        for (String line : lines) {
            oo.addIssue()
                    .setSeverity(IssueSeverity.INFORMATION)
                    .setCode(IssueType.INFORMATIONAL)
                    .setDiagnostics(line);
        }
        return oo;
    }

    /** One issue per criterion across regimens (duplicates, e.g. the same heart rate, merged). */
    private static OperationOutcome mergeExclusions(List<ScreeningResult> exclusions) {
        OperationOutcome merged = new OperationOutcome();
        Set<String> seen = new HashSet<>();
        for (ScreeningResult s : exclusions) {
            for (OperationOutcome.OperationOutcomeIssueComponent issue :
                    s.toOperationOutcome().getIssue()) {
                String key = issue.getSeverity() + "|"
                        + issue.getDetails().getCodingFirstRep().getCode();
                if (seen.add(key)) {
                    merged.addIssue(issue.copy());
                }
            }
        }
        return merged;
    }

    private static Reference subject(Patient patient) {
        if (patient != null && patient.getIdElement().hasIdPart()) {
            return new Reference("Patient/" + patient.getIdElement().getIdPart());
        }
        return new Reference().setDisplay("Patient");
    }

    /**
     * The result as a FHIR Bundle (type collection), the body of {@code $recommend-regimens}:
     * <ul>
     * <li>CANDIDATES: one entry per draft CarePlan, in rank order; each CarePlan contains its explanation
     * ({@code #explanation}) and screening ({@code #screening}) OperationOutcomes, referenced from
     * {@code CarePlan.supportingInfo}; a final OperationOutcome entry carries the messages (ignored conditions,
     * regimens excluded for one group, conditions needing a clinician-authored plan).</li>
     * <li>EXCLUDED: a single OperationOutcome entry, one error issue per failed criterion.</li>
     * <li>NO_REGIMEN: a single OperationOutcome entry whose first issue (code not-found, details coded
     * {@code no-matching-condition} or {@code clinician-authored-plan-required}) states the reason.</li>
     * </ul>
     */
    public Bundle toBundle(RecommendationResult result) {
        Bundle b = new Bundle();
        b.setType(Bundle.BundleType.COLLECTION);
        switch (result.outcome()) {
            case CANDIDATES -> {
                for (Candidate c : result.candidates()) {
                    add(b, c.carePlan());
                }
                if (!result.messages().isEmpty()) {
                    add(b, messagesOutcome(result.messages(), null));
                }
            }
            case EXCLUDED -> add(b, result.exclusion().orElseThrow().copy());
            case NO_REGIMEN -> {
                RecommendationResult.NoRegimenReason reason =
                        result.noRegimenReason().orElseThrow();
                add(b, messagesOutcome(result.messages(), reason));
            }
            default -> throw new IllegalStateException(result.outcome().toString());
        }
        return b;
    }

    private static OperationOutcome messagesOutcome(
            List<String> messages, RecommendationResult.NoRegimenReason reason) {
        OperationOutcome oo = new OperationOutcome();
        if (reason != null) {
            String code = reason == RecommendationResult.NoRegimenReason.CLINICIAN_AUTHORED_PLAN_REQUIRED
                    ? "clinician-authored-plan-required"
                    : "no-matching-condition";
            String text = reason == RecommendationResult.NoRegimenReason.CLINICIAN_AUTHORED_PLAN_REQUIRED
                    ? "No template: a clinician-authored plan is required"
                    : "No regimen matches the patient's " + "active conditions";
            oo.addIssue()
                    .setSeverity(IssueSeverity.INFORMATION)
                    .setCode(IssueType.NOTFOUND)
                    .setDetails(new CodeableConcept(new Coding(RehabCodes.CS_RECOMMENDATION_OUTCOME, code, text))
                            .setText(text));
        }
        for (String m : messages) {
            oo.addIssue()
                    .setSeverity(IssueSeverity.INFORMATION)
                    .setCode(IssueType.INFORMATIONAL)
                    .setDiagnostics(m);
        }
        return oo;
    }

    private static void add(Bundle b, org.hl7.fhir.r4.model.Resource r) {
        b.addEntry().setFullUrl("urn:uuid:" + UUID.randomUUID()).setResource(r);
    }
}
