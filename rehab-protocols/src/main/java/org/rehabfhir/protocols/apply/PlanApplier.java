package org.rehabfhir.protocols.apply;

import java.time.LocalDate;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Objects;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Period;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.PlanDefinition.ActionRelationshipType;
import org.hl7.fhir.r4.model.PlanDefinition.PlanDefinitionActionComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.RelatedArtifact;
import org.hl7.fhir.r4.model.Timing;
import org.rehabfhir.protocols.RegimenException;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.screening.Criterion;
import org.rehabfhir.protocols.screening.CriterionResult;
import org.rehabfhir.protocols.screening.CriterionStatus;
import org.rehabfhir.protocols.screening.ScreeningExclusionException;
import org.rehabfhir.protocols.screening.ScreeningResult;
import org.rehabfhir.protocols.screening.ScreeningStatus;

/**
 * Instantiates a regimen for one patient, following FHIR R4 {@code PlanDefinition/$apply}: it returns a draft
 * CarePlan and stores nothing. Goals are contained in the CarePlan ({@code #goal-...}); so is the screening
 * OperationOutcome ({@code #screening}, referenced from {@code supportingInfo}). Thread-safe.
 */
public final class PlanApplier {

    public static final String SCREENING_CONTAINED_ID = "screening";
    private static final String GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement";

    private final ProtocolCatalogue catalogue;

    public PlanApplier(ProtocolCatalogue catalogue) {
        this.catalogue = Objects.requireNonNull(catalogue);
    }

    /**
     * @param pd           a catalogue PlanDefinition
     * @param patient      the subject, e.g. {@code Patient/123}
     * @param practitioner author and performer, may be null
     * @param start        first day of phase 1 (for ACL reconstruction: the date the surgeon cleared)
     * @param screening    the patient's screening for this regimen; null = not performed (plan needs review)
     * @throws ScreeningExclusionException when the screening excluded the patient
     * @throws RegimenException when the PlanDefinition names an ActivityDefinition the catalogue does not have
     */
    public CarePlan apply(
            PlanDefinition pd, Reference patient, Reference practitioner, LocalDate start, ScreeningResult screening) {
        Objects.requireNonNull(pd, "pd");
        Objects.requireNonNull(patient, "patient");
        Objects.requireNonNull(start, "start");
        ScreeningResult s = screening == null ? ScreeningResult.notPerformed() : screening;
        if (s.excluded()) {
            throw new ScreeningExclusionException(s);
        }
        CarePlan cp = new CarePlan();
        cp.setStatus(CarePlan.CarePlanStatus.DRAFT);
        cp.setIntent(CarePlan.CarePlanIntent.PLAN);
        cp.addInstantiatesCanonical(pd.getUrl() + "|" + pd.getVersion());
        cp.setTitle(pd.getTitle());
        cp.setDescription(pd.getDescription());
        cp.addCategory(new CodeableConcept(
                new Coding(RehabCodes.SNOMED, RehabCodes.SCT_PHYSICAL_THERAPY, "Physical therapy procedure")));
        cp.setSubject(patient.copy());
        if (practitioner != null) {
            cp.setAuthor(practitioner.copy());
        }
        Extension evidence = pd.getExtensionByUrl(RehabCodes.EXT_EVIDENCE);
        if (evidence != null) {
            cp.addExtension(evidence.copy());
        }
        cp.addExtension(screeningExtension(s));

        Map<String, LocalDate[]> phaseDates = phaseDates(pd, start);
        LocalDate end = phaseDates.values().stream()
                .map(p -> p[1])
                .max(LocalDate::compareTo)
                .orElse(start);
        cp.setPeriod(period(new LocalDate[] {start, end}));

        for (PlanDefinition.PlanDefinitionGoalComponent g : pd.getGoal()) {
            Goal goal = goal(g, patient, start, end);
            cp.addContained(goal);
            cp.addGoal(new Reference("#" + goal.getIdElement().getIdPart()));
        }
        for (PlanDefinitionActionComponent action : pd.getAction()) {
            ActivityDefinition ad = resolve(pd, action);
            cp.addActivity().setDetail(detail(ad, action, period(phaseDates.get(action.getId())), practitioner, s));
        }
        OperationOutcome screeningOo = s.toOperationOutcome();
        screeningOo.setId(SCREENING_CONTAINED_ID);
        cp.addContained(screeningOo);
        cp.addSupportingInfo(new Reference("#" + SCREENING_CONTAINED_ID).setDisplay("Safety screening result"));
        cp.addNote().setText(evidenceNote(pd));
        cp.addNote().setText(screeningNote(s));
        return cp;
    }

    private CarePlanActivityDetailComponent detail(
            ActivityDefinition ad,
            PlanDefinitionActionComponent action,
            Period dates,
            Reference practitioner,
            ScreeningResult s) {
        CarePlanActivityDetailComponent d = new CarePlanActivityDetailComponent();
        d.setKind(CarePlan.CarePlanActivityKind.SERVICEREQUEST);
        d.addInstantiatesCanonical(ad.getUrl() + "|" + ad.getVersion());
        d.setCode(ad.getCode().copy());
        d.setStatus(CarePlan.CarePlanActivityStatus.NOTSTARTED);
        d.setDescription(ad.getDescription() + (ad.hasUsage() ? " " + ad.getUsage() : ""));
        Timing timing = ad.getTimingTiming().copy();
        timing.getRepeat().setBounds(dates.copy());
        d.setScheduled(timing);
        if (practitioner != null) {
            d.addPerformer(practitioner.copy());
        }
        for (var goalId : action.getGoalId()) {
            d.addGoal(new Reference("#" + goalId.getValue()));
        }
        for (Extension e : ad.getExtension()) {
            if (RehabCodes.EXT_SUPERVISION.equals(e.getUrl()) && s.supervisionRaised()) {
                d.addExtension(raisedSupervision(e));
            } else {
                d.addExtension(e.copy());
            }
        }
        return d;
    }

    /** Fall history: one level closer supervision (lower number), never below 1. */
    private Extension raisedSupervision(Extension e) {
        Coding c = (Coding) e.getValue();
        int level = Math.max(1, Integer.parseInt(c.getCode()) - 1);
        String code = String.valueOf(level);
        return new Extension(
                RehabCodes.EXT_SUPERVISION,
                new Coding(RehabCodes.CS_SUPERVISION, code, catalogue.display(RehabCodes.CS_SUPERVISION, code)));
    }

    /**
     * Phase dates: a phase without relatedAction starts on {@code start}; {@code after-end} starts the day after the
     * related phase ends; {@code concurrent-with-start} shares its start. Length = the ActivityDefinition's
     * {@code timingTiming.repeat.boundsDuration}.
     */
    Map<String, LocalDate[]> phaseDates(PlanDefinition pd, LocalDate start) {
        Map<String, LocalDate[]> out = new LinkedHashMap<>();
        for (PlanDefinitionActionComponent action : pd.getAction()) {
            LocalDate phaseStart = start;
            for (PlanDefinition.PlanDefinitionActionRelatedActionComponent rel : action.getRelatedAction()) {
                LocalDate[] other = out.get(rel.getActionId());
                if (other == null) {
                    continue;
                }
                if (rel.getRelationship() == ActionRelationshipType.CONCURRENTWITHSTART) {
                    phaseStart = other[0];
                } else if (rel.getRelationship() == ActionRelationshipType.AFTEREND) {
                    phaseStart = other[1].plusDays(1);
                }
            }
            ActivityDefinition ad = resolve(pd, action);
            LocalDate phaseEnd = phaseStart.plusDays(Math.max(1, boundsDays(ad)) - 1L);
            out.put(action.getId(), new LocalDate[] {phaseStart, phaseEnd});
        }
        return out;
    }

    private static long boundsDays(ActivityDefinition ad) {
        Timing.TimingRepeatComponent r = ad.getTimingTiming().getRepeat();
        if (!r.hasBoundsDuration()) {
            return 1;
        }
        double v = r.getBoundsDuration().getValue().doubleValue();
        String unit = r.getBoundsDuration().getCode();
        double days =
                switch (unit == null ? "wk" : unit) {
                    case "d" -> v;
                    case "wk" -> v * 7;
                    case "mo" -> v * 30;
                    default -> throw new RegimenException("Unsupported bounds unit " + unit + " in " + ad.getUrl());
                };
        return Math.round(days);
    }

    private ActivityDefinition resolve(PlanDefinition pd, PlanDefinitionActionComponent action) {
        String canonical = action.getDefinitionCanonicalType().getValue();
        return catalogue
                .activityDefinition(canonical)
                .orElseThrow(() -> new RegimenException("PlanDefinition " + pd.getUrl() + " action " + action.getId()
                        + " refers to unknown ActivityDefinition " + canonical));
    }

    private static Period period(LocalDate[] dates) {
        return new Period()
                .setStartElement(new DateTimeType(dates[0].toString()))
                .setEndElement(new DateTimeType(dates[1].toString()));
    }

    private Goal goal(PlanDefinition.PlanDefinitionGoalComponent g, Reference patient, LocalDate start, LocalDate due) {
        Goal goal = new Goal();
        goal.setId(g.getId());
        goal.setLifecycleStatus(Goal.GoalLifecycleStatus.PROPOSED);
        goal.setAchievementStatus(new CodeableConcept(new Coding(GOAL_ACHIEVEMENT, "in-progress", "In Progress")));
        goal.setDescription(g.getDescription().copy());
        goal.setSubject(patient.copy());
        goal.setStart(new DateType(start.toString()));
        for (PlanDefinition.PlanDefinitionGoalTargetComponent t : g.getTarget()) {
            goal.addTarget()
                    .setMeasure(t.getMeasure().copy())
                    .setDetail(t.getDetail().copy())
                    .setDue(new DateType(due.toString()));
        }
        return goal;
    }

    /**
     * Puts a newer screening on a plan (at activation the patient is screened again): the screening-result extension
     * (its {@code overrideReason} kept), the contained {@code #screening} OperationOutcome and the screening note.
     */
    public static void recordScreening(CarePlan plan, ScreeningResult s) {
        Extension old = plan.getExtensionByUrl(RehabCodes.EXT_SCREENING_RESULT);
        Extension fresh = screeningExtension(s);
        if (old != null) {
            old.getExtensionsByUrl("overrideReason").forEach(r -> fresh.addExtension(r.copy()));
        }
        plan.getExtension().removeIf(e -> RehabCodes.EXT_SCREENING_RESULT.equals(e.getUrl()));
        plan.addExtension(fresh);
        plan.getContained()
                .removeIf(r -> SCREENING_CONTAINED_ID.equals(r.getIdElement().getIdPart()));
        OperationOutcome oo = s.toOperationOutcome();
        oo.setId(SCREENING_CONTAINED_ID);
        plan.addContained(oo);
        if (plan.getSupportingInfo().stream().noneMatch(r -> ("#" + SCREENING_CONTAINED_ID).equals(r.getReference()))) {
            plan.addSupportingInfo(new Reference("#" + SCREENING_CONTAINED_ID).setDisplay("Safety screening result"));
        }
        plan.getNote().removeIf(n -> n.hasText() && n.getText().startsWith(SCREENING_NOTE_PREFIX));
        plan.addNote().setText(screeningNote(s));
    }

    /** The override reason recorded on a plan (screening-result.overrideReason), if any. */
    public static java.util.Optional<String> overrideReason(CarePlan plan) {
        Extension ext = plan.getExtensionByUrl(RehabCodes.EXT_SCREENING_RESULT);
        return ext == null
                ? java.util.Optional.empty()
                : ext.getExtensionsByUrl("overrideReason").stream()
                        .map(e -> e.getValue().primitiveValue())
                        .filter(v -> v != null && !v.isBlank())
                        .findFirst();
    }

    /** Records the clinician's override reason on the plan (screening-result.overrideReason). */
    public static void setOverrideReason(CarePlan plan, String reason) {
        Extension ext = plan.getExtensionByUrl(RehabCodes.EXT_SCREENING_RESULT);
        if (ext == null) {
            ext = screeningExtension(ScreeningResult.notPerformed()); // a plan without screening: not performed
            plan.addExtension(ext);
        }
        ext.getExtension().removeIf(e -> "overrideReason".equals(e.getUrl()));
        ext.addExtension("overrideReason", new org.hl7.fhir.r4.model.StringType(reason));
    }

    private static Extension screeningExtension(ScreeningResult s) {
        Extension ext = new Extension(RehabCodes.EXT_SCREENING_RESULT);
        ScreeningStatus status = s.status();
        ext.addExtension("status", new Coding(RehabCodes.CS_SCREENING_STATUS, status.code(), status.display()));
        for (Criterion c : s.notAssessed()) {
            ext.addExtension("notAssessed", ScreeningResult.criterionCoding(c));
        }
        for (CriterionResult r : s.withStatus(CriterionStatus.OVERRIDE_NEEDED)) {
            ext.addExtension("overrideNeeded", ScreeningResult.criterionCoding(r.criterion()));
        }
        ext.addExtension("supervisionRaised", new BooleanType(s.supervisionRaised()));
        return ext;
    }

    private String evidenceNote(PlanDefinition pd) {
        String code = ProtocolCatalogue.evidenceCode(pd).orElse("D");
        String sources = pd.getRelatedArtifact().stream()
                .filter(a -> a.getType() == RelatedArtifact.RelatedArtifactType.CITATION)
                .map(RelatedArtifact::getDisplay)
                .collect(Collectors.joining("; "));
        return "Evidence " + catalogue.evidenceLabel(code) + " (" + catalogue.display(RehabCodes.CS_EVIDENCE, code)
                + "). Sources: " + sources + ". Progression rules are design choices [D].";
    }

    private static final String SCREENING_NOTE_PREFIX = "Safety screening: ";

    static String screeningNote(ScreeningResult s) {
        List<String> parts = new ArrayList<>();
        parts.add(SCREENING_NOTE_PREFIX + s.status().display() + ".");
        for (CriterionResult r : s.withStatus(CriterionStatus.OVERRIDE_NEEDED)) {
            parts.add("Clinician override needed: " + r.criterion().display() + " (" + r.detail() + ").");
        }
        if (s.needsReview()) {
            parts.add("Not assessed (plan needs review): "
                    + s.notAssessed().stream().map(Criterion::display).collect(Collectors.joining(", ")) + ".");
        }
        if (s.supervisionRaised()) {
            parts.add("Fall history: supervision raised by one level.");
        }
        return String.join(" ", parts);
    }
}
