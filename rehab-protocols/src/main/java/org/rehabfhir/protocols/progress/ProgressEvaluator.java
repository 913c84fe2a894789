package org.rehabfhir.protocols.progress;

import java.math.BigDecimal;
import java.time.Duration;
import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.ActivityDefinition;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Timing;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.record.Codes;
import org.rehabfhir.protocols.record.Dates;
import org.rehabfhir.protocols.record.Numbers;
import org.rehabfhir.protocols.record.Observations;

/**
 * The clinical brief's default progression rules [D], applied to the session Observations of a CarePlan. It reads,
 * it never modifies the CarePlan.
 *
 * <ul>
 * <li>SUSPEND: any fall (our code {@code fall}) not followed by a {@code clinician-review-after-fall}
 * Observation.</li>
 * <li>REGRESS one step: the latest session had a near-fall, RPE (LOINC 82289-0) >= 7, or pain NRS (LOINC 72514-3)
 * 12-36 h after it more than 2 points above the last value in the 24 h before it.</li>
 * <li>PROGRESS one step: the 2 latest sessions each had no near-fall, RPE <= 5 and pain not up more than 2 points
 * at 24 h (all recorded). Order: time, then treadmill speed, then incline, then less supervision, then the next
 * phase; step sizes and ceilings from the activity's progression-ladder extension.</li>
 * <li>HOLD otherwise, with the reasons (missing data included).</li>
 * </ul>
 * A session is an exercise-duration Observation (LOINC 55411-3); RPE, near-fall and heart rate on the same calendar
 * day belong to it. Only Observations whose {@code basedOn} references the CarePlan count (all, when the CarePlan
 * has no id yet). Regress undoes progress in reverse order: closer supervision, lower incline, lower speed, shorter
 * sessions. Thread-safe.
 */
public final class ProgressEvaluator {

    static final double PROGRESS_MAX_RPE = 5;
    static final double REGRESS_MIN_RPE = 7;
    static final double MAX_PAIN_INCREASE = 2;
    static final int SESSIONS_TO_PROGRESS = 2;
    private static final Pattern NEAR_FALL_TEXT = Codes.words("\\bnear[- ]fall\\b");
    private static final Pattern FALL_TEXT = Codes.words("^(fall|fell)\\b|\\bfall during session\\b");

    private final ProtocolCatalogue catalogue;
    private final ZoneId zone;

    /** @param zone the clinic's time zone: which calendar day a session and its measurements fall on */
    public ProgressEvaluator(ProtocolCatalogue catalogue, ZoneId zone) {
        this.catalogue = Objects.requireNonNull(catalogue);
        this.zone = Objects.requireNonNull(zone);
    }

    public ProgressDecision evaluate(CarePlan plan, List<Observation> sessionObservations) {
        Objects.requireNonNull(plan, "plan");
        List<Observation> obs = forPlan(plan, sessionObservations == null ? List.of() : sessionObservations);

        Optional<Observation> fall = latest(obs, RehabCodes.CS_FINDING, RehabCodes.FINDING_FALL, FALL_TEXT, true);
        Instant since = Instant.EPOCH;
        if (fall.isPresent()) {
            Instant fallAt = Observations.effective(fall.get()).orElse(Instant.EPOCH);
            Optional<Observation> review = latest(
                            obs, RehabCodes.CS_FINDING, RehabCodes.FINDING_REVIEW_AFTER_FALL, null, true)
                    .filter(r -> Observations.effective(r).orElse(Instant.EPOCH).isAfter(fallAt));
            if (review.isEmpty()) {
                return new ProgressDecision(
                        Decision.SUSPEND,
                        List.of("Fall recorded " + fallAt + " (" + Observations.ref(fall.get())
                                + "): plan suspended until a clinician reviews it"),
                        null,
                        sessions(obs, Instant.EPOCH));
            }
            since = Observations.effective(review.get()).orElse(fallAt);
        }
        List<SessionSummary> sessions = sessions(obs, since);
        if (sessions.isEmpty()) {
            return new ProgressDecision(
                    Decision.HOLD,
                    List.of("No session recorded (exercise duration, LOINC 55411-3," + " with basedOn this CarePlan)"
                            + (fall.isPresent() ? " since the post-fall review" : "")),
                    null,
                    sessions);
        }
        int current = currentActivity(plan, sessions.get(sessions.size() - 1).start());
        SessionSummary last = sessions.get(sessions.size() - 1);
        List<String> regressReasons = regressTriggers(last);
        if (!regressReasons.isEmpty()) {
            ProposedStep step = current < 0 ? null : regress(plan, current);
            return new ProgressDecision(Decision.REGRESS, regressReasons, step, sessions);
        }
        List<String> holdReasons = new ArrayList<>();
        if (sessions.size() < SESSIONS_TO_PROGRESS) {
            holdReasons.add("Only " + sessions.size() + " session(s) recorded; " + SESSIONS_TO_PROGRESS
                    + " consecutive qualifying sessions are needed");
        }
        for (SessionSummary s :
                sessions.subList(Math.max(0, sessions.size() - SESSIONS_TO_PROGRESS), sessions.size())) {
            holdReasons.addAll(notQualifying(s));
        }
        if (!holdReasons.isEmpty()) {
            return new ProgressDecision(Decision.HOLD, holdReasons, null, sessions);
        }
        List<String> reasons = new ArrayList<>();
        reasons.add(SESSIONS_TO_PROGRESS + " consecutive sessions with no near-fall, RPE <= "
                + Numbers.format(PROGRESS_MAX_RPE) + " and pain at 24 h not up more than "
                + Numbers.format(MAX_PAIN_INCREASE) + " points");
        ProposedStep step = current < 0 ? null : progress(plan, current);
        if (step == null) {
            reasons.add("Top of the regimen reached: nothing left to progress; clinician to review (maintenance or "
                    + "discharge)");
            return new ProgressDecision(Decision.HOLD, reasons, null, sessions);
        }
        return new ProgressDecision(Decision.PROGRESS, reasons, step, sessions);
    }

    /**
     * The regression a clinician may choose whatever the sessions say (one step back on the activity current at
     * {@code at}); empty for a plan without activities.
     */
    public Optional<ProposedStep> regression(CarePlan plan, Instant at) {
        int current = currentActivity(plan, at);
        return current < 0 ? Optional.empty() : Optional.of(regress(plan, current));
    }

    // ------------------------------------------------------------------ observations and sessions

    private List<Observation> forPlan(CarePlan plan, List<Observation> all) {
        if (!plan.getIdElement().hasIdPart()) {
            return all.stream().filter(Observations::isUsable).toList();
        }
        String id = plan.getIdElement().getIdPart();
        return all.stream()
                .filter(Observations::isUsable)
                .filter(o -> o.getBasedOn().stream()
                        .map(Reference::getReference)
                        .filter(Objects::nonNull)
                        .anyMatch(r -> r.equals("CarePlan/" + id)
                                || r.endsWith("/CarePlan/" + id)
                                || r.startsWith("CarePlan/" + id + "/_history/")))
                .toList();
    }

    private Optional<Observation> latest(
            List<Observation> obs, String system, String code, Pattern text, boolean mustBeTrue) {
        return Observations.newestFirst(obs).stream()
                .filter(o -> Observations.isCoded(o, system, code, text))
                .filter(o -> !mustBeTrue || Observations.flag(o).orElse(false))
                .findFirst();
    }

    private List<SessionSummary> sessions(List<Observation> obs, Instant since) {
        List<Observation> durations = obs.stream()
                .filter(o -> Observations.isCoded(o, RehabCodes.LOINC, RehabCodes.LOINC_EXERCISE_DURATION, null))
                .filter(o ->
                        Observations.effective(o).map(t -> t.isAfter(since)).orElse(false))
                .sorted(Comparator.comparing(o -> Observations.effective(o).orElseThrow()))
                .toList();
        List<SessionSummary> out = new ArrayList<>();
        // sorted once, not once per session and measure (a plan of 500 session Observations: 160 sorts before)
        List<Observation> newestFirst = Observations.newestFirst(obs);
        for (Observation d : durations) {
            Instant t = Observations.effective(d).orElseThrow();
            LocalDate day = Observations.effectiveDate(d, zone).orElseThrow();
            List<String> refs = new ArrayList<>(List.of(Observations.ref(d)));
            Optional<Observation> rpe = sameDay(newestFirst, day, RehabCodes.LOINC, RehabCodes.LOINC_RPE, null);
            Optional<Observation> hr = sameDay(newestFirst, day, RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, null);
            boolean nearFall = obs.stream()
                    .filter(o -> Observations.isCoded(
                            o, RehabCodes.CS_FINDING, RehabCodes.FINDING_NEAR_FALL, NEAR_FALL_TEXT))
                    .filter(o -> sameDay(o, day))
                    .anyMatch(o -> Observations.flag(o).orElse(false));
            Optional<Observation> painBefore =
                    painBetween(obs, t.minus(Duration.ofHours(24)), t.plus(Duration.ofMinutes(30)), true);
            Optional<Observation> painAfter =
                    painBetween(obs, t.plus(Duration.ofHours(12)), t.plus(Duration.ofHours(36)), false);
            rpe.ifPresent(o -> refs.add(Observations.ref(o)));
            painBefore.ifPresent(o -> refs.add(Observations.ref(o)));
            painAfter.ifPresent(o -> refs.add(Observations.ref(o)));
            out.add(new SessionSummary(
                    t,
                    Observations.number(d),
                    rpe.flatMap(Observations::number),
                    painBefore.flatMap(Observations::number),
                    painAfter.flatMap(Observations::number),
                    nearFall,
                    hr.flatMap(Observations::number),
                    refs));
        }
        return out;
    }

    private boolean sameDay(Observation o, LocalDate day) {
        return Observations.effectiveDate(o, zone).map(day::equals).orElse(false);
    }

    /** The newest of {@code newestFirst} (already {@link Observations#newestFirst}) coded so on {@code day}. */
    private Optional<Observation> sameDay(
            List<Observation> newestFirst, LocalDate day, String system, String code, Pattern text) {
        return newestFirst.stream()
                .filter(o -> Observations.isCoded(o, system, code, text))
                .filter(o -> sameDay(o, day))
                .findFirst();
    }

    /** Pain NRS in [from, to]: the latest one (before the session) or the earliest one (after it). */
    private Optional<Observation> painBetween(List<Observation> obs, Instant from, Instant to, boolean latest) {
        List<Observation> inWindow = obs.stream()
                .filter(o -> Observations.isCoded(o, RehabCodes.LOINC, RehabCodes.LOINC_PAIN_NRS, null))
                .filter(o -> Observations.number(o).isPresent())
                .filter(o -> Observations.effective(o)
                        .map(x -> !x.isBefore(from) && !x.isAfter(to))
                        .orElse(false))
                .sorted(Comparator.comparing(o -> Observations.effective(o).orElseThrow()))
                .toList();
        if (inWindow.isEmpty()) {
            return Optional.empty();
        }
        return Optional.of(latest ? inWindow.get(inWindow.size() - 1) : inWindow.get(0));
    }

    private static List<String> regressTriggers(SessionSummary s) {
        List<String> out = new ArrayList<>();
        String when = "session " + s.start();
        if (s.nearFall()) {
            out.add("Near-fall in " + when);
        }
        s.rpe()
                .filter(r -> r >= REGRESS_MIN_RPE)
                .ifPresent(r ->
                        out.add("RPE " + Numbers.format(r) + " >= " + Numbers.format(REGRESS_MIN_RPE) + " in " + when));
        s.painIncrease()
                .filter(p -> p > MAX_PAIN_INCREASE)
                .ifPresent(p -> out.add("Pain NRS up " + Numbers.format(p) + " points at 24 h after " + when + " (> "
                        + Numbers.format(MAX_PAIN_INCREASE) + ")"));
        return out;
    }

    private static List<String> notQualifying(SessionSummary s) {
        List<String> out = new ArrayList<>();
        String when = "session " + s.start();
        if (s.rpe().isEmpty()) {
            out.add("RPE not recorded for " + when);
        } else if (s.rpe().get() > PROGRESS_MAX_RPE) {
            out.add("RPE " + Numbers.format(s.rpe().get()) + " > " + Numbers.format(PROGRESS_MAX_RPE) + " in " + when);
        }
        if (s.painBefore().isEmpty()) {
            out.add("Pain NRS before " + when + " not recorded");
        }
        if (s.painAt24h().isEmpty()) {
            out.add("Pain NRS 24 h after " + when + " not recorded");
        }
        if (s.nearFall()) {
            out.add("Near-fall in " + when);
        }
        s.painIncrease()
                .filter(p -> p > MAX_PAIN_INCREASE)
                .ifPresent(p -> out.add("Pain up " + Numbers.format(p) + " points after " + when));
        return out;
    }

    // ------------------------------------------------------------------ current activity and steps

    /** In-progress activity, else the one whose bounds contain the date, else the first not completed. */
    private int currentActivity(CarePlan plan, Instant at) {
        List<CarePlan.CarePlanActivityComponent> acts = plan.getActivity();
        for (int i = 0; i < acts.size(); i++) {
            if (acts.get(i).getDetail().getStatus() == CarePlan.CarePlanActivityStatus.INPROGRESS) {
                return i;
            }
        }
        for (int i = 0; i < acts.size(); i++) {
            CarePlanActivityDetailComponent d = acts.get(i).getDetail();
            if (d.hasScheduledTiming() && d.getScheduledTiming().getRepeat().hasBoundsPeriod()) {
                var p = d.getScheduledTiming().getRepeat().getBoundsPeriod();
                var day = at.atZone(zone).toLocalDate();
                var start = Dates.localDate(p.getStartElement(), zone).orElse(day);
                var end = p.hasEnd() ? Dates.localDate(p.getEndElement(), zone).orElse(day) : day;
                if (!day.isBefore(start) && !day.isAfter(end)) {
                    return i;
                }
            }
        }
        for (int i = 0; i < acts.size(); i++) {
            var status = acts.get(i).getDetail().getStatus();
            if (status != CarePlan.CarePlanActivityStatus.COMPLETED
                    && status != CarePlan.CarePlanActivityStatus.CANCELLED) {
                return i;
            }
        }
        return acts.isEmpty() ? -1 : acts.size() - 1;
    }

    /** The dose of an activity: current values from the CarePlan, start values and ladder from the catalogue. */
    private record Dose(
            double duration,
            Double speed,
            Double incline,
            int supervision,
            double durationStep,
            double durationMax,
            double speedStep,
            double speedMax,
            double inclineStep,
            double inclineMax,
            int leastSupervision,
            double startDuration,
            Double startSpeed,
            Double startIncline,
            int startSupervision) {}

    private Dose dose(CarePlanActivityDetailComponent d) {
        Optional<ActivityDefinition> ad = d.getInstantiatesCanonical().stream()
                .findFirst()
                .flatMap(c -> catalogue.activityDefinition(c.getValue()));
        Extension ladder = d.getExtensionByUrl(RehabCodes.EXT_LADDER);
        if (ladder == null) {
            ladder = ad.map(a -> a.getExtensionByUrl(RehabCodes.EXT_LADDER)).orElse(new Extension());
        }
        double duration = d.getScheduledTiming().getRepeat().hasDuration()
                ? d.getScheduledTiming().getRepeat().getDuration().doubleValue()
                : 0;
        Double speed = quantity(d.getExtensionByUrl(RehabCodes.EXT_SPEED));
        Double incline = quantity(d.getExtensionByUrl(RehabCodes.EXT_INCLINE));
        int supervision = level(d.getExtensionByUrl(RehabCodes.EXT_SUPERVISION), 2);
        double startDuration = ad.map(a -> a.getTimingTiming().getRepeat().getDuration())
                .map(BigDecimal::doubleValue)
                .orElse(duration);
        Double startSpeed =
                ad.map(a -> quantity(a.getExtensionByUrl(RehabCodes.EXT_SPEED))).orElse(speed);
        Double startIncline = ad.map(a -> quantity(a.getExtensionByUrl(RehabCodes.EXT_INCLINE)))
                .orElse(incline);
        int startSupervision = ad.map(a -> level(a.getExtensionByUrl(RehabCodes.EXT_SUPERVISION), supervision))
                .orElse(supervision);
        return new Dose(
                duration,
                speed,
                incline,
                supervision,
                sub(ladder, "durationStep", 5),
                sub(ladder, "durationMax", duration),
                sub(ladder, "speedStep", 0),
                sub(ladder, "speedMax", speed == null ? 0 : speed),
                sub(ladder, "inclineStep", 0),
                sub(ladder, "inclineMax", incline == null ? 0 : incline),
                level(ladder.getExtensionByUrl("leastSupervision"), supervision),
                startDuration,
                startSpeed,
                startIncline,
                Math.min(startSupervision, supervision));
    }

    private ProposedStep progress(CarePlan plan, int index) {
        CarePlanActivityDetailComponent d = plan.getActivity().get(index).getDetail();
        Dose x = dose(d);
        if (x.durationStep() > 0 && x.duration() < x.durationMax()) {
            double to = Math.min(x.duration() + x.durationStep(), x.durationMax());
            return new ProposedStep(
                    index,
                    StepDimension.DURATION,
                    Numbers.format(x.duration()) + " min",
                    Numbers.format(to) + " min",
                    withDuration(d, to));
        }
        if (x.speed() != null && x.speedStep() > 0 && x.speed() < x.speedMax()) {
            double to = Math.min(round(x.speed() + x.speedStep()), x.speedMax());
            return new ProposedStep(
                    index,
                    StepDimension.SPEED,
                    Numbers.format(x.speed()) + " km/h",
                    Numbers.format(to) + " km/h",
                    withQuantity(d, RehabCodes.EXT_SPEED, to, "km/h"));
        }
        if (x.incline() != null && x.inclineStep() > 0 && x.incline() < x.inclineMax()) {
            double to = Math.min(x.incline() + x.inclineStep(), x.inclineMax());
            return new ProposedStep(
                    index,
                    StepDimension.INCLINE,
                    Numbers.format(x.incline()) + " deg",
                    Numbers.format(to) + " deg",
                    withQuantity(d, RehabCodes.EXT_INCLINE, to, "deg"));
        }
        if (x.supervision() < x.leastSupervision()) {
            int to = x.supervision() + 1;
            return new ProposedStep(
                    index,
                    StepDimension.SUPERVISION,
                    "level " + x.supervision(),
                    "level " + to,
                    withSupervision(d, to));
        }
        for (int next = index + 1; next < plan.getActivity().size(); next++) {
            CarePlanActivityDetailComponent n = plan.getActivity().get(next).getDetail();
            if (n.getStatus() == CarePlan.CarePlanActivityStatus.NOTSTARTED && !startsWith(n, d)) {
                return new ProposedStep(
                        next, StepDimension.NEXT_PHASE, "activity " + index, "activity " + next, n.copy());
            }
        }
        return null;
    }

    private ProposedStep regress(CarePlan plan, int index) {
        CarePlanActivityDetailComponent d = plan.getActivity().get(index).getDetail();
        Dose x = dose(d);
        if (x.supervision() > x.startSupervision()) {
            int to = x.supervision() - 1;
            return new ProposedStep(
                    index,
                    StepDimension.SUPERVISION,
                    "level " + x.supervision(),
                    "level " + to,
                    withSupervision(d, to));
        }
        if (x.incline() != null && x.startIncline() != null && x.incline() > x.startIncline()) {
            double to = Math.max(x.startIncline(), x.incline() - Math.max(x.inclineStep(), 1));
            return new ProposedStep(
                    index,
                    StepDimension.INCLINE,
                    Numbers.format(x.incline()) + " deg",
                    Numbers.format(to) + " deg",
                    withQuantity(d, RehabCodes.EXT_INCLINE, to, "deg"));
        }
        if (x.speed() != null && x.startSpeed() != null && x.speed() > x.startSpeed()) {
            double to = Math.max(x.startSpeed(), round(x.speed() - Math.max(x.speedStep(), 0.1)));
            return new ProposedStep(
                    index,
                    StepDimension.SPEED,
                    Numbers.format(x.speed()) + " km/h",
                    Numbers.format(to) + " km/h",
                    withQuantity(d, RehabCodes.EXT_SPEED, to, "km/h"));
        }
        if (x.duration() > x.startDuration()) {
            double to = Math.max(x.startDuration(), x.duration() - Math.max(x.durationStep(), 5));
            return new ProposedStep(
                    index,
                    StepDimension.DURATION,
                    Numbers.format(x.duration()) + " min",
                    Numbers.format(to) + " min",
                    withDuration(d, to));
        }
        // At the starting dose: closer supervision first, else shorter sessions (never below 5 min).
        if (x.supervision() > 1) {
            int to = x.supervision() - 1;
            return new ProposedStep(
                    index,
                    StepDimension.SUPERVISION,
                    "level " + x.supervision(),
                    "level " + to,
                    withSupervision(d, to));
        }
        double to = Math.max(5, x.duration() - 5);
        return new ProposedStep(
                index,
                StepDimension.DURATION,
                Numbers.format(x.duration()) + " min",
                Numbers.format(to) + " min",
                withDuration(d, to));
    }

    private static boolean startsWith(CarePlanActivityDetailComponent a, CarePlanActivityDetailComponent b) {
        Timing.TimingRepeatComponent ra = a.getScheduledTiming().getRepeat();
        Timing.TimingRepeatComponent rb = b.getScheduledTiming().getRepeat();
        return ra.hasBoundsPeriod()
                && rb.hasBoundsPeriod()
                && ra.getBoundsPeriod()
                        .getStartElement()
                        .getValueAsString()
                        .equals(rb.getBoundsPeriod().getStartElement().getValueAsString());
    }

    private static CarePlanActivityDetailComponent withDuration(CarePlanActivityDetailComponent d, double minutes) {
        CarePlanActivityDetailComponent c = d.copy();
        c.getScheduledTiming().getRepeat().setDuration(minutes);
        Timing.TimingRepeatComponent r = c.getScheduledTiming().getRepeat();
        if (r.hasDurationMax() && r.getDurationMax().doubleValue() < minutes) {
            r.setDurationMax(minutes);
        }
        return c;
    }

    private static CarePlanActivityDetailComponent withQuantity(
            CarePlanActivityDetailComponent d, String url, double value, String unit) {
        CarePlanActivityDetailComponent c = d.copy();
        c.getExtension().removeIf(e -> url.equals(e.getUrl()));
        c.addExtension(
                url,
                new Quantity()
                        .setValue(value)
                        .setUnit(unit)
                        .setSystem(RehabCodes.UCUM)
                        .setCode(unit));
        return c;
    }

    private CarePlanActivityDetailComponent withSupervision(CarePlanActivityDetailComponent d, int level) {
        CarePlanActivityDetailComponent c = d.copy();
        c.getExtension().removeIf(e -> RehabCodes.EXT_SUPERVISION.equals(e.getUrl()));
        String code = String.valueOf(level);
        c.addExtension(
                RehabCodes.EXT_SUPERVISION,
                new Coding(RehabCodes.CS_SUPERVISION, code, catalogue.display(RehabCodes.CS_SUPERVISION, code)));
        return c;
    }

    private static Double quantity(Extension e) {
        return e != null && e.getValue() instanceof Quantity q && q.hasValue()
                ? q.getValue().doubleValue()
                : null;
    }

    private static int level(Extension e, int fallback) {
        if (e != null && e.getValue() instanceof Coding c && c.hasCode()) {
            try {
                return Integer.parseInt(c.getCode());
            } catch (NumberFormatException ex) {
                return fallback;
            }
        }
        return fallback;
    }

    private static double sub(Extension ladder, String url, double fallback) {
        Double v = quantity(ladder.getExtensionByUrl(url));
        return v == null ? fallback : v;
    }

    private static double round(double v) {
        return Math.round(v * 100.0) / 100.0;
    }
}
