package org.rehabfhir.protocols.session;

import java.time.Duration;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.PrimitiveType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.record.Numbers;

/**
 * One supervised backward-walking session as the physiotherapist records it ({@code CarePlan/{id}/$record-session}),
 * checked whole, then written as the Observations the {@link org.rehabfhir.protocols.progress.ProgressEvaluator}
 * reads (docs/observation-examples.md): exercise duration (LOINC 55411-3, min; components surface, speed km/h,
 * incline %, supervision level; the notes), Borg RPE (LOINC 82289-0), pain NRS before and, when given, 24 h after
 * (LOINC 72514-3), heart rate (LOINC 8867-4) when given, near-fall and fall (clinical-finding, valueBoolean). Every
 * Observation is {@code basedOn} the plan. Pure and thread-safe.
 *
 * <p>Parameters, with their ranges (a value outside is a problem naming the parameter): {@code date} (dateTime,
 * required, not in the future), {@code minutes} (decimal 1-120, required), {@code surface} (code treadmill |
 * overground, required), {@code speed} (decimal km/h 0.1-10, required on a treadmill), {@code incline} (decimal %
 * 0-20), {@code supervision} (code 1-4, required), {@code rpe} (integer 0-10, required), {@code painBefore}
 * (integer 0-10, required), {@code pain24h} (integer 0-10; only once 12 h have passed since the session),
 * {@code heartRate} (integer /min 30-220), {@code nearFall} and {@code fall} (boolean, required), {@code notes}
 * (string, at most 2,000 characters).
 */
public record SessionLog(
        Instant start,
        double minutes,
        String surface,
        Double speedKmh,
        Double inclinePercent,
        int supervision,
        int rpe,
        int painBefore,
        Integer pain24h,
        Integer heartRate,
        boolean nearFall,
        boolean fall,
        String notes) {

    private static final Set<String> NAMES = Set.of(
            "date",
            "minutes",
            "surface",
            "speed",
            "incline",
            "supervision",
            "rpe",
            "painBefore",
            "pain24h",
            "heartRate",
            "nearFall",
            "fall",
            "notes");
    private static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    private static final Duration FUTURE_TOLERANCE = Duration.ofMinutes(5);
    private static final Duration PAIN_24H_EARLIEST = Duration.ofHours(12);
    private static final int NOTES_MAX = 2000;

    /** A parameter that is missing or wrong. */
    public record Problem(String parameter, String message) {}

    /** The session cannot be recorded; {@link #problems()} names each parameter. */
    public static final class InvalidSessionException extends RuntimeException {
        private final List<Problem> problems;

        InvalidSessionException(List<Problem> problems) {
            super(problems.toString());
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }

        /** One error per problem, located at {@code Parameters.parameter.where(name='...')}. */
        public OperationOutcome toOperationOutcome() {
            OperationOutcome oo = new OperationOutcome();
            for (Problem p : problems) {
                oo.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(
                                p.message().startsWith("required")
                                        ? OperationOutcome.IssueType.REQUIRED
                                        : OperationOutcome.IssueType.VALUE)
                        .setDiagnostics("Parameter '" + p.parameter() + "': " + p.message())
                        .addExpression("Parameters.parameter.where(name='" + p.parameter() + "')");
            }
            return oo;
        }
    }

    /**
     * Reads and checks the operation's Parameters.
     *
     * @throws InvalidSessionException naming every missing or wrong parameter
     */
    public static SessionLog from(Parameters in, Instant now) {
        Reader r = new Reader(in == null ? new Parameters() : in);
        Instant start = r.dateTime("date", true, now);
        Double minutes = r.decimal("minutes", true, 1, 120);
        String surface = r.code("surface", true, Set.of("treadmill", "overground"));
        Double speed = r.decimal("speed", "treadmill".equals(surface), 0.1, 10);
        Double incline = r.decimal("incline", false, 0, 20);
        String supervision = r.code("supervision", true, Set.of("1", "2", "3", "4"));
        Integer rpe = r.integer("rpe", true, 0, 10);
        Integer painBefore = r.integer("painBefore", true, 0, 10);
        Integer pain24h = r.integer("pain24h", false, 0, 10);
        Integer heartRate = r.integer("heartRate", false, 30, 220);
        Boolean nearFall = r.bool("nearFall");
        Boolean fall = r.bool("fall");
        String notes = r.string("notes", NOTES_MAX);
        if (pain24h != null && start != null && start.plus(PAIN_24H_EARLIEST).isAfter(now)) {
            r.problems.add(new Problem("pain24h", "can be recorded only once 12 h have passed since the session"));
        }
        if (!r.problems.isEmpty()) {
            throw new InvalidSessionException(r.problems);
        }
        return new SessionLog(
                start,
                minutes,
                surface,
                speed,
                incline,
                Integer.parseInt(supervision),
                rpe,
                painBefore,
                pain24h,
                heartRate,
                nearFall,
                fall,
                notes);
    }

    /**
     * The session's Observations (ids unset), each about {@code patient}, {@code basedOn} {@code plan} and, when
     * given, performed by {@code performer}.
     *
     * @param now when the session is recorded ({@code issued}; the latest time a 24-h pain score is dated)
     */
    public List<Observation> observations(Reference patient, Reference plan, Reference performer, Instant now) {
        List<Observation> out = new ArrayList<>();
        Instant end = start.plus(Duration.ofSeconds(Math.round(minutes * 60)));
        Observation duration = observation(
                "activity",
                RehabCodes.LOINC,
                RehabCodes.LOINC_EXERCISE_DURATION,
                "Exercise duration",
                "Backward walking session duration",
                start,
                quantity(minutes, "min"));
        duration.addComponent()
                .setCode(local(RehabCodes.SESSION_SURFACE, "Walking surface"))
                .setValue(new CodeableConcept(new Coding(
                        RehabCodes.CS_WALKING_SURFACE,
                        surface,
                        "treadmill".equals(surface) ? "Treadmill" : "Overground")));
        if (speedKmh != null) {
            duration.addComponent()
                    .setCode(local(RehabCodes.SESSION_SPEED, "Treadmill speed"))
                    .setValue(quantity(speedKmh, "km/h"));
        }
        if (inclinePercent != null) {
            duration.addComponent()
                    .setCode(local(RehabCodes.SESSION_INCLINE, "Treadmill incline"))
                    .setValue(quantity(inclinePercent, "%"));
        }
        duration.addComponent()
                .setCode(local(RehabCodes.SESSION_SUPERVISION, "Supervision level"))
                .setValue(
                        new CodeableConcept(new Coding(RehabCodes.CS_SUPERVISION, String.valueOf(supervision), null)));
        if (notes != null) {
            duration.addNote().setText(notes);
        }
        out.add(duration);
        out.add(observation(
                "survey",
                RehabCodes.LOINC,
                RehabCodes.LOINC_PAIN_NRS,
                null,
                "Pain NRS before the session",
                start,
                quantity(painBefore, "{score}")));
        out.add(observation(
                "survey",
                RehabCodes.LOINC,
                RehabCodes.LOINC_RPE,
                null,
                "Borg RPE (0-10)",
                end,
                quantity(rpe, "{score}")));
        if (heartRate != null) {
            out.add(observation(
                    "vital-signs",
                    RehabCodes.LOINC,
                    RehabCodes.LOINC_HEART_RATE,
                    "Heart rate",
                    "Heart rate during the session",
                    end,
                    quantity(heartRate, "/min")));
        }
        out.add(observation(
                "activity",
                RehabCodes.CS_FINDING,
                RehabCodes.FINDING_NEAR_FALL,
                null,
                "Near-fall during backward walking",
                end,
                new BooleanType(nearFall)));
        out.add(observation(
                "activity",
                RehabCodes.CS_FINDING,
                RehabCodes.FINDING_FALL,
                null,
                "Fall during backward walking",
                end,
                new BooleanType(fall)));
        if (pain24h != null) {
            Instant at = start.plus(Duration.ofHours(24));
            out.add(observation(
                    "survey",
                    RehabCodes.LOINC,
                    RehabCodes.LOINC_PAIN_NRS,
                    null,
                    "Pain NRS 24 h after the session",
                    at.isAfter(now) ? now : at,
                    quantity(pain24h, "{score}")));
        }
        for (Observation o : out) {
            o.setSubject(patient.copy());
            o.addBasedOn(plan.copy());
            o.setIssued(Date.from(now));
            if (performer != null) {
                o.addPerformer(performer.copy());
            }
        }
        return out;
    }

    private static Observation observation(
            String category, String system, String code, String display, String text, Instant when, Type value) {
        Observation o = new Observation();
        o.setStatus(Observation.ObservationStatus.FINAL);
        o.addCategory(new CodeableConcept(new Coding(CATEGORY, category, null)));
        o.setCode(new CodeableConcept(new Coding(system, code, display)).setText(text));
        o.setEffective(new DateTimeType(Date.from(when)));
        o.setValue(value);
        return o;
    }

    private static CodeableConcept local(String code, String display) {
        return new CodeableConcept(new Coding(RehabCodes.CS_SESSION_COMPONENT, code, display));
    }

    private static Quantity quantity(double value, String ucum) {
        return new Quantity()
                .setValue(value)
                .setUnit(ucum)
                .setSystem(RehabCodes.UCUM)
                .setCode(ucum);
    }

    /** Reads one value per name, collecting every problem. */
    private static final class Reader {
        private final Parameters in;
        private final List<Problem> problems = new ArrayList<>();

        Reader(Parameters in) {
            this.in = in;
            Set<String> seen = new LinkedHashSet<>();
            for (ParametersParameterComponent p : in.getParameter()) {
                if (!NAMES.contains(p.getName())) {
                    problems.add(new Problem(String.valueOf(p.getName()), "not a parameter of $record-session"));
                } else if (!seen.add(p.getName())) {
                    problems.add(new Problem(p.getName(), "given more than once"));
                }
            }
        }

        private Optional<Type> value(String name, boolean required) {
            Optional<Type> v = in.getParameter().stream()
                    .filter(p -> name.equals(p.getName()))
                    .findFirst()
                    .map(ParametersParameterComponent::getValue);
            if (v.isEmpty() && required) {
                problems.add(new Problem(name, "required"));
            }
            return v;
        }

        private String text(Type v) {
            return v instanceof PrimitiveType<?> p ? p.getValueAsString() : null;
        }

        Instant dateTime(String name, boolean required, Instant now) {
            Optional<Type> v = value(name, required);
            if (v.isEmpty()) {
                return null;
            }
            String s = text(v.get());
            try {
                DateTimeType dt = new DateTimeType(s);
                Instant when = dt.getValue().toInstant();
                if (when.isAfter(now.plus(FUTURE_TOLERANCE))) {
                    problems.add(new Problem(name, "must not be in the future, got " + s));
                    return null;
                }
                return when;
            } catch (RuntimeException e) {
                problems.add(new Problem(name, "must be a dateTime such as 2026-12-01T10:00:00+01:00, got " + s));
                return null;
            }
        }

        Double decimal(String name, boolean required, double min, double max) {
            Optional<Type> v = value(name, required);
            if (v.isEmpty()) {
                return null;
            }
            try {
                double d = Double.parseDouble(String.valueOf(text(v.get())));
                if (Double.isNaN(d) || d < min || d > max) {
                    problems.add(new Problem(
                            name,
                            "must be between " + Numbers.format(min) + " and " + Numbers.format(max) + ", got "
                                    + text(v.get())));
                    return null;
                }
                return d;
            } catch (NumberFormatException e) {
                problems.add(new Problem(name, "must be a number, got " + text(v.get())));
                return null;
            }
        }

        Integer integer(String name, boolean required, int min, int max) {
            Optional<Type> v = value(name, required);
            if (v.isEmpty()) {
                return null;
            }
            try {
                int i = Integer.parseInt(String.valueOf(text(v.get())).strip());
                if (i < min || i > max) {
                    problems.add(new Problem(name, "must be between " + min + " and " + max + ", got " + i));
                    return null;
                }
                return i;
            } catch (NumberFormatException e) {
                problems.add(new Problem(name, "must be a whole number, got " + text(v.get())));
                return null;
            }
        }

        String code(String name, boolean required, Set<String> allowed) {
            Optional<Type> v = value(name, required);
            if (v.isEmpty()) {
                return null;
            }
            String s = v.get() instanceof Coding c ? c.getCode() : text(v.get());
            if (s == null || !allowed.contains(s)) {
                problems.add(new Problem(
                        name, "must be one of " + allowed.stream().sorted().toList() + ", got " + s));
                return null;
            }
            return s;
        }

        Boolean bool(String name) {
            Optional<Type> v = value(name, true);
            if (v.isEmpty()) {
                return null;
            }
            String s = text(v.get());
            if (!"true".equals(s) && !"false".equals(s)) {
                problems.add(new Problem(name, "must be true or false, got " + s));
                return null;
            }
            return Boolean.valueOf(s);
        }

        String string(String name, int max) {
            Optional<Type> v = value(name, false);
            if (v.isEmpty()) {
                return null;
            }
            String s = text(v.get());
            if (s != null && s.length() > max) {
                problems.add(new Problem(name, "at most " + max + " characters"));
                return null;
            }
            return s == null || s.isBlank() ? null : s;
        }
    }
}
