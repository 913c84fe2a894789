package org.rehabfhir.app.plan;

import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.Timing;
import org.rehabfhir.app.fhir.Fhir;

/**
 * A (draft) CarePlan as the plan screens show and edit it: regimen, evidence label, explanation, screening status,
 * and per phase the dose (minutes, sessions per week, speed, incline, supervision) with the limits the regimen
 * allows (its progression ladder and timing maxima); its goals.
 */
public record PlanView(
        int rank,
        String id,
        String canonical,
        String title,
        String status,
        String evidence,
        String description,
        List<String> explanation,
        String screeningStatus,
        List<Phase> phases,
        List<GoalView> goals) {

    static final String EXT_LADDER = Fhir.BASE + "/StructureDefinition/progression-ladder";
    static final String EXT_SCREENING = Fhir.BASE + "/StructureDefinition/screening-result";
    static final String CS_SUPERVISION = Fhir.BASE + "/CodeSystem/supervision-level";

    /**
     * One phase (activity). Limits: minutes 1..maxMinutes, sessions 1..maxFrequency, speed 0..maxSpeed (km/h),
     * incline 0..maxIncline (%), supervision from 1 (hands-on) to {@code leastSupervision}.
     */
    public record Phase(
            int index,
            String description,
            BigDecimal minutes,
            BigDecimal maxMinutes,
            int frequency,
            int maxFrequency,
            String periodUnit,
            BigDecimal speed,
            BigDecimal maxSpeed,
            BigDecimal incline,
            BigDecimal maxIncline,
            String supervision,
            String supervisionLabel,
            int leastSupervision,
            String bounds) {

        public String schedule() {
            StringBuilder s = new StringBuilder();
            if (minutes != null) {
                s.append(Fhir.plain(minutes)).append(" min, ");
            }
            s.append(frequency).append("× per ").append(periodLabel());
            if (speed != null) {
                s.append(", ").append(Fhir.plain(speed)).append(" km/h");
            }
            if (incline != null) {
                s.append(", incline ").append(Fhir.plain(incline)).append(" %");
            }
            return s.toString();
        }

        public String periodLabel() {
            return switch (periodUnit == null ? "wk" : periodUnit) {
                case "d" -> "day";
                case "mo" -> "month";
                default -> "week";
            };
        }
    }

    public record GoalView(String description, String target, String due, String status) {}

    public boolean overrideNeeded() {
        return "needs-review".equals(screeningStatus) || "override-needed".equals(screeningStatus);
    }

    public static String supervisionLabel(String code) {
        return switch (code == null ? "" : code) {
            case "1" -> "1 · hands-on or harness";
            case "2" -> "2 · therapist within arm's reach, treadmill with rails";
            case "3" -> "3 · trained spotter, clear path";
            case "4" -> "4 · independent";
            default -> code == null ? "" : code;
        };
    }

    public static PlanView of(int rank, CarePlan plan, List<Goal> storedGoals) {
        List<String> explanation = new ArrayList<>();
        for (Resource contained : plan.getContained()) {
            if (contained instanceof OperationOutcome oo
                    && "explanation".equals(contained.getIdElement().getIdPart())) {
                oo.getIssue().forEach(i -> explanation.add(i.getDiagnostics()));
            }
        }
        String evidence = "";
        Extension ev = plan.getExtensionByUrl(Fhir.EXT_EVIDENCE);
        if (ev != null && ev.getValue() instanceof CodeableConcept cc) {
            evidence =
                    cc.getCodingFirstRep().hasDisplay() ? cc.getCodingFirstRep().getDisplay() : Fhir.text(cc);
        }
        String screening = "";
        Extension sc = plan.getExtensionByUrl(EXT_SCREENING);
        if (sc != null
                && sc.getExtensionByUrl("status") != null
                && sc.getExtensionByUrl("status").getValue() instanceof Coding c) {
            screening = c.getCode();
        }
        List<Phase> phases = new ArrayList<>();
        for (int i = 0; i < plan.getActivity().size(); i++) {
            phases.add(phase(i, plan.getActivity().get(i).getDetail()));
        }
        List<GoalView> goals = new ArrayList<>();
        List<Goal> all = new ArrayList<>(storedGoals);
        plan.getContained().stream()
                .filter(r -> r instanceof Goal)
                .map(r -> (Goal) r)
                .forEach(all::add);
        for (Goal g : all) {
            goals.add(new GoalView(
                    Fhir.text(g.getDescription()),
                    target(g),
                    g.getTargetFirstRep().hasDueDateType()
                            ? Fhir.day(g.getTargetFirstRep().getDueDateType().getValue())
                            : "",
                    g.hasAchievementStatus()
                            ? Fhir.text(g.getAchievementStatus())
                            : (g.hasLifecycleStatus() ? g.getLifecycleStatus().toCode() : "")));
        }
        String canonical = plan.getInstantiatesCanonical().isEmpty()
                ? ""
                : plan.getInstantiatesCanonical().get(0).getValue();
        return new PlanView(
                rank,
                plan.getIdElement().getIdPart(),
                canonical,
                plan.hasTitle() ? plan.getTitle() : canonical,
                plan.getStatus() == null ? "" : plan.getStatus().toCode(),
                evidence,
                plan.hasDescription() ? plan.getDescription() : "",
                explanation,
                screening,
                phases,
                goals);
    }

    static String target(Goal g) {
        if (!g.hasTarget()) {
            return "";
        }
        Goal.GoalTargetComponent t = g.getTargetFirstRep();
        String measure = Fhir.text(t.getMeasure());
        if (t.hasDetailQuantity()) {
            Quantity q = t.getDetailQuantity();
            String cmp = q.hasComparator() ? q.getComparator().toCode() + " " : "";
            return measure + " " + cmp + Fhir.plain(q.getValue()) + " " + (q.hasUnit() ? q.getUnit() : "");
        }
        if (t.hasDetailRange()) {
            var r = t.getDetailRange();
            return measure + (r.hasLow() ? " ≥ " + Fhir.plain(r.getLow().getValue()) : "")
                    + (r.hasHigh() ? " ≤ " + Fhir.plain(r.getHigh().getValue()) : "") + " "
                    + (r.hasHigh() && r.getHigh().hasUnit() ? r.getHigh().getUnit() : "");
        }
        return measure;
    }

    static Phase phase(int index, CarePlanActivityDetailComponent d) {
        Timing.TimingRepeatComponent r = d.getScheduledTiming().getRepeat();
        BigDecimal minutes = r.hasDuration() ? r.getDuration() : null;
        Extension ladder = d.getExtensionByUrl(EXT_LADDER);
        BigDecimal maxMinutes =
                max(r.hasDurationMax() ? r.getDurationMax() : minutes, ladderValue(ladder, "durationMax"));
        int frequency = r.hasFrequency() ? r.getFrequency() : 1;
        int maxFrequency = Math.max(frequency, r.hasFrequencyMax() ? r.getFrequencyMax() : 7);
        BigDecimal speed = quantity(d, Fhir.EXT_SPEED);
        BigDecimal maxSpeed = max(speed, ladderValue(ladder, "speedMax"));
        BigDecimal incline = quantity(d, Fhir.EXT_INCLINE);
        BigDecimal maxIncline = max(incline, ladderValue(ladder, "inclineMax"));
        String supervision = null;
        Extension sup = d.getExtensionByUrl(Fhir.EXT_SUPERVISION);
        if (sup != null && sup.getValue() instanceof Coding c) {
            supervision = c.getCode();
        }
        int least = 4;
        if (ladder != null
                && ladder.getExtensionByUrl("leastSupervision") != null
                && ladder.getExtensionByUrl("leastSupervision").getValue() instanceof Coding c) {
            least = Integer.parseInt(c.getCode());
        }
        if (supervision != null) {
            least = Math.max(least, Integer.parseInt(supervision));
        }
        String bounds = d.getScheduledTiming().getRepeat().hasBoundsPeriod()
                ? Fhir.day(r.getBoundsPeriod().getStart()) + " – "
                        + Fhir.day(r.getBoundsPeriod().getEnd())
                : r.hasBoundsDuration()
                        ? Fhir.plain(r.getBoundsDuration().getValue()) + " "
                                + r.getBoundsDuration().getUnit()
                        : "";
        return new Phase(
                index,
                d.getDescription(),
                minutes,
                maxMinutes,
                frequency,
                maxFrequency,
                r.hasPeriodUnit() ? r.getPeriodUnit().toCode() : "wk",
                speed,
                maxSpeed,
                incline,
                maxIncline,
                supervision,
                supervisionLabel(supervision),
                least,
                bounds);
    }

    static BigDecimal quantity(CarePlanActivityDetailComponent d, String url) {
        Extension e = d.getExtensionByUrl(url);
        return e != null && e.getValue() instanceof Quantity q ? q.getValue() : null;
    }

    static BigDecimal ladderValue(Extension ladder, String name) {
        if (ladder == null || ladder.getExtensionByUrl(name) == null) {
            return null;
        }
        return ladder.getExtensionByUrl(name).getValue() instanceof Quantity q ? q.getValue() : null;
    }

    static BigDecimal max(BigDecimal a, BigDecimal b) {
        if (a == null) {
            return b;
        }
        return b == null ? a : a.max(b);
    }
}
