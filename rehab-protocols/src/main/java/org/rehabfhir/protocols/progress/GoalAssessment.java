package org.rehabfhir.protocols.progress;

import java.time.Instant;
import java.time.ZoneId;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.rehabfhir.protocols.record.Codes;
import org.rehabfhir.protocols.record.Dates;
import org.rehabfhir.protocols.record.Numbers;
import org.rehabfhir.protocols.record.Observations;

/**
 * How a Goal stands against the patient's outcome Observations: the newest Observation coded as the target's
 * {@code measure}, its value in the target's UCUM unit, compared with the target ({@code detailQuantity} and its
 * comparator). Achievement codes of HL7 {@code goal-achievement}: {@code achieved} when the newest value meets the
 * target; otherwise {@code improving}, {@code worsening} or {@code no-change} against the value before it (the
 * comparator says which direction is better: {@code <}/{@code <=} lower, {@code >}/{@code >=} higher); with one
 * value only {@code in-progress}; none: {@code in-progress} with no value. Pure and thread-safe.
 */
public final class GoalAssessment {

    public static final String GOAL_ACHIEVEMENT = "http://terminology.hl7.org/CodeSystem/goal-achievement";
    /**
     * The assessment compares the newest value with the one before it: a reader of the record needs only the newest
     * Observations of the measure, this many (room for values in units that do not convert).
     */
    public static final int NEWEST_READ = 50;

    /**
     * @param achievement the goal-achievement code
     * @param latest      the newest value in the target's unit, if any
     * @param latestRef   the Observation it came from
     * @param target      the target, human-readable (e.g. "< 13.5 s")
     */
    public record Result(String achievement, Optional<Double> latest, Optional<String> latestRef, String target) {

        public Coding coding() {
            return new Coding(GOAL_ACHIEVEMENT, achievement, display(achievement));
        }

        private static String display(String code) {
            return switch (code) {
                case "achieved" -> "Achieved";
                case "improving" -> "Improving";
                case "worsening" -> "Worsening";
                case "no-change" -> "No Change";
                default -> "In Progress";
            };
        }
    }

    private GoalAssessment() {}

    /**
     * Assesses the goal's first target with a measure and a Quantity detail against the patient's Observations
     * since the goal's start day (its first instant in the clinic's {@code zone}).
     */
    public static Optional<Result> assess(Goal goal, List<Observation> observations, ZoneId zone) {
        for (Goal.GoalTargetComponent t : goal.getTarget()) {
            if (t.hasMeasure()
                    && t.hasDetailQuantity()
                    && t.getDetailQuantity().hasValue()
                    && t.getDetailQuantity().hasCode()) {
                return Optional.of(assess(t, observations, goalStart(goal, zone)));
            }
        }
        return Optional.empty();
    }

    private static Result assess(Goal.GoalTargetComponent t, List<Observation> observations, Instant since) {
        Quantity target = t.getDetailQuantity();
        String unit = target.getCode();
        double goal = target.getValue().doubleValue();
        Quantity.QuantityComparator comparator = target.hasComparator() ? target.getComparator() : null;
        String targetText = (comparator == null ? "" : comparator.toCode() + " ") + Numbers.format(goal) + " " + unit;
        List<Observation> values = Observations.newestFirst(observations).stream()
                .filter(o -> t.getMeasure().getCoding().stream()
                        .anyMatch(c -> Codes.has(o.getCode(), c.getSystem(), c.getCode())))
                .filter(o ->
                        Observations.effective(o).map(e -> !e.isBefore(since)).orElse(false))
                .filter(o -> Observations.valueIn(o, unit).isPresent())
                .toList();
        if (values.isEmpty()) {
            return new Result("in-progress", Optional.empty(), Optional.empty(), targetText);
        }
        double latest = Observations.valueIn(values.get(0), unit).orElseThrow();
        Optional<String> ref = Optional.of(Observations.ref(values.get(0)));
        boolean lowerIsBetter = comparator == Quantity.QuantityComparator.LESS_THAN
                || comparator == Quantity.QuantityComparator.LESS_OR_EQUAL;
        if (meets(latest, goal, comparator)) {
            return new Result("achieved", Optional.of(latest), ref, targetText);
        }
        if (values.size() == 1 || comparator == null) {
            return new Result("in-progress", Optional.of(latest), ref, targetText);
        }
        double previous = Observations.valueIn(values.get(1), unit).orElseThrow();
        String trend =
                latest == previous ? "no-change" : (latest < previous) == lowerIsBetter ? "improving" : "worsening";
        return new Result(trend, Optional.of(latest), ref, targetText);
    }

    private static boolean meets(double value, double goal, Quantity.QuantityComparator comparator) {
        if (comparator == null) {
            return value == goal;
        }
        return switch (comparator) {
            case LESS_THAN -> value < goal;
            case LESS_OR_EQUAL -> value <= goal;
            case GREATER_THAN -> value > goal;
            case GREATER_OR_EQUAL -> value >= goal;
            default -> false;
        };
    }

    private static Instant goalStart(Goal goal, ZoneId zone) {
        return goal.hasStartDateType()
                ? Dates.localDate(goal.getStartDateType(), zone)
                        .map(d -> Dates.startOfDay(d, zone))
                        .orElse(Instant.EPOCH)
                : Instant.EPOCH;
    }
}
