package org.rehabfhir.protocols.screening;

import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity;
import org.hl7.fhir.r4.model.OperationOutcome.IssueType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/**
 * The safety screening of one patient for one condition group. Immutable.
 *
 * <p>{@link #excluded()}: an absolute criterion failed. {@link #overrideNeeded()}: a relative one failed.
 * {@link #needsReview()}: at least one criterion was not assessed (missing or stale data never passes silently).
 */
public final class ScreeningResult {

    private final String conditionGroup;
    private final List<CriterionResult> results;

    public ScreeningResult(String conditionGroup, List<CriterionResult> results) {
        this.conditionGroup = conditionGroup;
        this.results = List.copyOf(results);
    }

    /** A screening that was not performed: every criterion "not assessed". */
    public static ScreeningResult notPerformed() {
        return new ScreeningResult(
                null,
                java.util.Arrays.stream(Criterion.values())
                        .map(c -> new CriterionResult(
                                c, CriterionStatus.NOT_ASSESSED, "Safety screening not performed", List.of()))
                        .toList());
    }

    /** Condition group screened for (criteria such as MS relapse depend on it); may be null. */
    public String conditionGroup() {
        return conditionGroup;
    }

    public List<CriterionResult> results() {
        return results;
    }

    public Optional<CriterionResult> result(Criterion criterion) {
        return results.stream().filter(r -> r.criterion() == criterion).findFirst();
    }

    public List<CriterionResult> withStatus(CriterionStatus status) {
        return results.stream().filter(r -> r.status() == status).toList();
    }

    public boolean excluded() {
        return !withStatus(CriterionStatus.EXCLUDED).isEmpty();
    }

    public boolean overrideNeeded() {
        return !withStatus(CriterionStatus.OVERRIDE_NEEDED).isEmpty();
    }

    public boolean needsReview() {
        return !withStatus(CriterionStatus.NOT_ASSESSED).isEmpty();
    }

    public boolean supervisionRaised() {
        return !withStatus(CriterionStatus.RAISES_SUPERVISION).isEmpty();
    }

    public List<Criterion> notAssessed() {
        return withStatus(CriterionStatus.NOT_ASSESSED).stream()
                .map(CriterionResult::criterion)
                .toList();
    }

    /** Most severe: excluded, then override needed, then needs review, else clear. */
    public ScreeningStatus status() {
        if (excluded()) {
            return ScreeningStatus.EXCLUDED;
        }
        if (overrideNeeded()) {
            return ScreeningStatus.OVERRIDE_NEEDED;
        }
        return needsReview() ? ScreeningStatus.NEEDS_REVIEW : ScreeningStatus.CLEAR;
    }

    /**
     * One issue per criterion that did not simply pass: excluded = error/business-rule, override needed =
     * warning/business-rule, not assessed = warning/incomplete, fall history = information/informational.
     * {@code issue.details.coding} is the criterion (CodeSystem screening-criterion), {@code details.text} and
     * {@code diagnostics} explain it.
     */
    public OperationOutcome toOperationOutcome() {
        OperationOutcome oo = new OperationOutcome();
        for (CriterionResult r : results) {
            IssueSeverity severity;
            IssueType type;
            String prefix;
            switch (r.status()) {
                case EXCLUDED -> {
                    severity = IssueSeverity.ERROR;
                    type = IssueType.BUSINESSRULE;
                    prefix = "Excluded: ";
                }
                case OVERRIDE_NEEDED -> {
                    severity = IssueSeverity.WARNING;
                    type = IssueType.BUSINESSRULE;
                    prefix = "Clinician override needed: ";
                }
                case NOT_ASSESSED -> {
                    severity = IssueSeverity.WARNING;
                    type = IssueType.INCOMPLETE;
                    prefix = "Not assessed: ";
                }
                case RAISES_SUPERVISION -> {
                    severity = IssueSeverity.INFORMATION;
                    type = IssueType.INFORMATIONAL;
                    prefix = "Supervision raised: ";
                }
                default -> {
                    continue;
                }
            }
            oo.addIssue()
                    .setSeverity(severity)
                    .setCode(type)
                    .setDetails(new CodeableConcept(criterionCoding(r.criterion()))
                            .setText(prefix + r.criterion().display()))
                    .setDiagnostics(r.detail());
        }
        if (oo.getIssue().isEmpty()) {
            oo.addIssue()
                    .setSeverity(IssueSeverity.INFORMATION)
                    .setCode(IssueType.INFORMATIONAL)
                    .setDiagnostics("Safety screening: every criterion assessed and passed");
        }
        return oo;
    }

    /**
     * The screening criterion by criterion, as the body of {@code Patient/{id}/$screen}: {@code status} (Coding,
     * CodeSystem screening-status), {@code conditionGroup} (code, when screened for one) and one {@code criterion}
     * per criterion with parts {@code code} (Coding, CodeSystem screening-criterion), {@code status} (code: passed,
     * excluded, override-needed, not-assessed, not-applicable, raises-supervision), {@code detail} (string) and one
     * {@code evidence} (Reference) per Condition or Observation it used.
     */
    public Parameters toParameters() {
        Parameters p = new Parameters();
        ScreeningStatus overall = status();
        p.addParameter()
                .setName("status")
                .setValue(new Coding(RehabCodes.CS_SCREENING_STATUS, overall.code(), overall.display()));
        if (conditionGroup != null) {
            p.addParameter().setName("conditionGroup").setValue(new CodeType(conditionGroup));
        }
        for (CriterionResult r : results) {
            Parameters.ParametersParameterComponent c = p.addParameter().setName("criterion");
            c.addPart().setName("code").setValue(criterionCoding(r.criterion()));
            c.addPart().setName("status").setValue(new CodeType(statusCode(r.status())));
            c.addPart().setName("detail").setValue(new StringType(r.detail()));
            for (String ref : r.evidence()) {
                if (ref.matches("[A-Za-z]+/[A-Za-z0-9\\-.]{1,64}")) {
                    c.addPart().setName("evidence").setValue(new Reference(ref));
                }
            }
        }
        return p;
    }

    /** The criterion status as a code: PASSED -> passed, OVERRIDE_NEEDED -> override-needed, ... */
    public static String statusCode(CriterionStatus status) {
        return status.name().toLowerCase(java.util.Locale.ROOT).replace('_', '-');
    }

    public static Coding criterionCoding(Criterion c) {
        return new Coding(RehabCodes.CS_CRITERION, c.code(), c.display());
    }

    @Override
    public String toString() {
        return "ScreeningResult[" + status() + ", " + results + "]";
    }
}
