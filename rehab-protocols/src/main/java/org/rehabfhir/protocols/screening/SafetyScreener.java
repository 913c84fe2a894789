package org.rehabfhir.protocols.screening;

import java.time.LocalDate;
import java.time.ZoneId;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Observation.ObservationComponentComponent;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.record.Codes;
import org.rehabfhir.protocols.record.Conditions;
import org.rehabfhir.protocols.record.Numbers;
import org.rehabfhir.protocols.record.ObservationSource;
import org.rehabfhir.protocols.record.Observations;
import org.rehabfhir.protocols.record.Units;

/**
 * Safety screening from Conditions and Observations (clinical brief, "Safety screening").
 *
 * <p>Data is recognised by verified codes where the brief has them (heart rate LOINC 8867-4), otherwise by our own
 * unverified codes (CodeSystem clinical-finding / outcome-measure) or by text of {@code code.text}/display
 * (patterns below). A criterion passes only on positive evidence of safety: a recent measurement, a refuted
 * Condition, or an Observation with {@code valueBoolean false}; the mere absence of a Condition is "not assessed".
 * Recency windows are design choices [D]: vital signs 30 days, cardiac events 30 days (the brief's "past month"),
 * walking ability and two-step command 90 days, MMSE and fall history 365 days. Thread-safe.
 */
public final class SafetyScreener {

    static final int VITALS_DAYS = 30;
    static final int CARDIAC_DAYS = 30;
    static final int FUNCTION_DAYS = 90;
    static final int MMSE_DAYS = 365;
    static final int FALL_HISTORY_DAYS = 365;
    static final double MMSE_THRESHOLD = 20;
    static final double MMSE_THRESHOLD_MS = 22;
    static final double SYSTOLIC_ABSOLUTE = 200;
    static final double DIASTOLIC_ABSOLUTE = 100;
    static final double SYSTOLIC_RELATIVE = 180;
    static final double HEART_RATE_ABSOLUTE = 120;
    static final double MIN_WALK_METRES = 11;
    static final int MS_ABSOLUTE_DAYS = 30;
    static final int MS_RELATIVE_DAYS = 60;
    public static final String MS_GROUP = "multiple-sclerosis";
    /** The longest recency window of the criteria (MMSE, fall history). */
    public static final int LONGEST_WINDOW_DAYS = Math.max(MMSE_DAYS, FALL_HISTORY_DAYS);
    /** The heart rate's recency window. */
    public static final int HEART_RATE_WINDOW_DAYS = VITALS_DAYS;
    /** The heart rate: the screen reads the newest one (at any age, to say how old it is). */
    public static final ObservationSource.Code HEART_RATE =
            new ObservationSource.Code(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE);
    /** The project's codes of the Observations the criteria read ({@link org.rehabfhir.protocols.record.RecordReads}). */
    public static final List<ObservationSource.Code> OBSERVATION_CODES = List.of(
            finding(RehabCodes.FINDING_MMSE),
            finding(RehabCodes.FINDING_UNSTABLE_ANGINA),
            finding(RehabCodes.FINDING_MI),
            finding(RehabCodes.FINDING_ARRHYTHMIA),
            finding(RehabCodes.FINDING_SYSTOLIC),
            finding(RehabCodes.FINDING_DIASTOLIC),
            finding(RehabCodes.FINDING_BP_PANEL),
            finding(RehabCodes.FINDING_TWO_STEP),
            finding(RehabCodes.FINDING_BILATERAL_SUPPORT),
            finding(RehabCodes.FINDING_WALK_DISTANCE),
            finding(RehabCodes.FINDING_MS_RELAPSE),
            finding(RehabCodes.FINDING_STEROIDS),
            finding(RehabCodes.FINDING_FALL_HISTORY),
            new ObservationSource.Code(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_6MWD));

    static final Pattern MMSE_TEXT = Codes.words("\\b(MMSE|mini[- ]mental)");
    static final Pattern ANGINA_TEXT = Codes.words("\\bunstable angina\\b");
    static final Pattern MI_TEXT = Codes.words("\\b(myocardial infarction|heart attack|N?STEMI)\\b");
    static final Pattern ARRHYTHMIA_TEXT =
            Codes.words("\\b(ventricular (tachycardia|fibrillation|arrhythmia)|complex ventricular|VT|VF)\\b");
    static final Pattern SYSTOLIC_TEXT = Codes.words("\\bsystolic\\b");
    static final Pattern DIASTOLIC_TEXT = Codes.words("\\bdiastolic\\b");
    static final Pattern APHASIA_TEXT = Codes.words("\\b(aphasia|dysphasia)\\b");
    static final Pattern TWO_STEP_TEXT = Codes.words("\\btwo[- ]step command");
    static final Pattern WALK_DISTANCE_TEXT = Codes.words("\\b(maximum )?walking distance\\b");
    static final Pattern SIX_MWD_TEXT = Codes.words("\\b(6|six)[- ]minute walk");
    static final Pattern BILATERAL_TEXT = Codes.words("\\b(constant )?(two-sided|bilateral) support\\b");
    static final Pattern RELAPSE_TEXT = Codes.words("\\b(MS )?relapse\\b");
    static final Pattern STEROID_TEXT =
            Codes.words("\\b(corticosteroid|steroid|methylprednisolone|prednisolone|prednisone|dexamethasone)");

    private final ZoneId zone;

    private static ObservationSource.Code finding(String code) {
        return new ObservationSource.Code(RehabCodes.CS_FINDING, code);
    }

    /** @param zone the clinic's time zone: the calendar day of each dated entry of the record */
    public SafetyScreener(ZoneId zone) {
        this.zone = Objects.requireNonNull(zone, "zone");
    }

    /**
     * Screens the record for one condition group ({@code null} = generic criteria only; MS-specific criteria are
     * then "not applicable").
     */
    public ScreeningResult screen(
            List<Condition> conditions, List<Observation> observations, String conditionGroup, LocalDate today) {
        Record r = new Record(
                conditions == null ? List.of() : conditions,
                Observations.newestFirst(observations == null ? List.of() : observations),
                today,
                zone);
        boolean ms = MS_GROUP.equals(conditionGroup);
        List<CriterionResult> out = new ArrayList<>();
        out.add(mmse(r, ms));
        out.add(cardiacEvent(
                r, Criterion.UNSTABLE_ANGINA_RECENT, RehabCodes.FINDING_UNSTABLE_ANGINA, ANGINA_TEXT, true));
        out.add(cardiacEvent(r, Criterion.MYOCARDIAL_INFARCTION_RECENT, RehabCodes.FINDING_MI, MI_TEXT, false));
        out.add(arrhythmia(r));
        out.add(bloodPressure(r));
        out.add(heartRate(r));
        out.add(aphasia(r));
        out.add(walkingDistance(r));
        out.add(
                ms
                        ? msRelapseOrSteroids(r)
                        : new CriterionResult(
                                Criterion.MS_RELAPSE_OR_STEROIDS,
                                CriterionStatus.NOT_APPLICABLE,
                                "Only for multiple sclerosis",
                                List.of()));
        out.add(fallHistory(r));
        return new ScreeningResult(conditionGroup, out);
    }

    private record Record(List<Condition> conditions, List<Observation> newestFirst, LocalDate today, ZoneId zone) {

        /** The Observation's day in the clinic's zone. */
        Optional<LocalDate> date(Observation o) {
            return Observations.effectiveDate(o, zone);
        }

        /** The Condition's onset (else recorded) day in the clinic's zone. */
        Optional<LocalDate> eventDate(Condition c) {
            return Conditions.eventDate(c, zone);
        }

        long daysAgo(LocalDate d) {
            return ChronoUnit.DAYS.between(d, today);
        }

        /** Newest usable Observation with this local finding code (or text), any age. */
        Optional<Observation> newest(String system, String code, Pattern text) {
            return newestFirst.stream()
                    .filter(o -> Observations.isCoded(o, system, code, text))
                    .findFirst();
        }

        /** Newest within {@code days}; stale ones are reported by the caller. */
        Optional<Observation> recent(Optional<Observation> o, int days) {
            return o.filter(x -> date(x).map(d -> daysAgo(d) <= days).orElse(false));
        }

        /** Conditions (not entered-in-error) coded with a local finding code or matching the text. */
        List<Condition> conditionsFor(String code, Pattern text) {
            return conditions.stream()
                    .filter(c -> !hasVerification(c, "entered-in-error"))
                    .filter(c -> Codes.has(c.getCode(), RehabCodes.CS_FINDING, code)
                            || (text != null && Codes.textMatches(c.getCode(), text)))
                    .toList();
        }
    }

    private static boolean hasVerification(Condition c, String code) {
        return c.getVerificationStatus().getCoding().stream().anyMatch(x -> code.equals(x.getCode()));
    }

    private static CriterionResult result(Criterion c, CriterionStatus s, String detail, String... evidence) {
        return new CriterionResult(c, s, detail, List.of(evidence));
    }

    private static String age(Record r, Observation o) {
        return r.date(o).map(d -> r.daysAgo(d) + " days ago").orElse("undated");
    }

    private CriterionResult mmse(Record r, boolean ms) {
        double threshold = ms ? MMSE_THRESHOLD_MS : MMSE_THRESHOLD;
        Optional<Observation> newest = r.newest(RehabCodes.CS_FINDING, RehabCodes.FINDING_MMSE, MMSE_TEXT);
        Optional<Observation> recent = r.recent(newest, MMSE_DAYS);
        if (recent.isEmpty() || Observations.number(recent.get()).isEmpty()) {
            return result(
                    Criterion.COGNITION_MMSE,
                    CriterionStatus.NOT_ASSESSED,
                    newest.isEmpty()
                            ? "No MMSE recorded"
                            : "Last MMSE " + age(r, newest.get()) + " (older than " + MMSE_DAYS
                                    + " days or without a score)");
        }
        Optional<Double> scored = Observations.valueIn(recent.get(), Units.SCORE);
        if (scored.isEmpty()) {
            return unitNotConvertible(Criterion.COGNITION_MMSE, "MMSE", recent.get(), Units.SCORE);
        }
        double score = scored.get();
        String ref = Observations.ref(recent.get());
        if (score < threshold) {
            return result(
                    Criterion.COGNITION_MMSE,
                    CriterionStatus.EXCLUDED,
                    "MMSE " + Numbers.format(score) + " < " + Numbers.format(threshold) + (ms ? " (MS threshold)" : ""),
                    ref);
        }
        return result(
                Criterion.COGNITION_MMSE,
                CriterionStatus.PASSED,
                "MMSE " + Numbers.format(score) + " >= " + Numbers.format(threshold),
                ref);
    }

    /** Unstable angina / MI: event within 30 days excludes; explicit negatives pass; else not assessed. */
    private CriterionResult cardiacEvent(
            Record r, Criterion criterion, String code, Pattern text, boolean activeWithoutDateExcludes) {
        for (Condition c : r.conditionsFor(code, text)) {
            if (Conditions.isRefuted(c)) {
                continue;
            }
            Optional<LocalDate> when = r.eventDate(c);
            if (when.isPresent() && r.daysAgo(when.get()) <= CARDIAC_DAYS) {
                return result(
                        criterion,
                        CriterionStatus.EXCLUDED,
                        Codes.text(c.getCode()) + " " + r.daysAgo(when.get()) + " days ago (within " + CARDIAC_DAYS
                                + " days)",
                        Conditions.ref(c));
            }
            if (when.isEmpty() && Conditions.isActive(c) && activeWithoutDateExcludes) {
                return result(
                        criterion,
                        CriterionStatus.EXCLUDED,
                        "Active " + Codes.text(c.getCode()) + " (no date)",
                        Conditions.ref(c));
            }
        }
        Optional<Observation> statement = r.recent(r.newest(RehabCodes.CS_FINDING, code, text), CARDIAC_DAYS);
        if (statement.isPresent() && Observations.flag(statement.get()).isPresent()) {
            boolean present = Observations.flag(statement.get()).get();
            return result(
                    criterion,
                    present ? CriterionStatus.EXCLUDED : CriterionStatus.PASSED,
                    (present ? "Recorded present " : "Recorded absent ") + age(r, statement.get()),
                    Observations.ref(statement.get()));
        }
        Optional<Condition> refuted = r.conditionsFor(code, text).stream()
                .filter(Conditions::isRefuted)
                .findFirst();
        if (refuted.isPresent()) {
            return result(criterion, CriterionStatus.PASSED, "Recorded as refuted", Conditions.ref(refuted.get()));
        }
        List<Condition> older = r.conditionsFor(code, text);
        return result(
                criterion,
                CriterionStatus.NOT_ASSESSED,
                older.isEmpty()
                        ? "No statement for the past " + CARDIAC_DAYS + " days"
                        : "Only an older or undated event on record; past " + CARDIAC_DAYS + " days not assessed",
                older.stream().map(Conditions::ref).toArray(String[]::new));
    }

    private CriterionResult arrhythmia(Record r) {
        Criterion k = Criterion.COMPLEX_VENTRICULAR_ARRHYTHMIA;
        for (Condition c : r.conditionsFor(RehabCodes.FINDING_ARRHYTHMIA, ARRHYTHMIA_TEXT)) {
            if (Conditions.isActive(c)) {
                return result(k, CriterionStatus.EXCLUDED, "Active " + Codes.text(c.getCode()), Conditions.ref(c));
            }
        }
        Optional<Observation> statement =
                r.recent(r.newest(RehabCodes.CS_FINDING, RehabCodes.FINDING_ARRHYTHMIA, ARRHYTHMIA_TEXT), MMSE_DAYS);
        if (statement.isPresent() && Observations.flag(statement.get()).isPresent()) {
            boolean present = Observations.flag(statement.get()).get();
            return result(
                    k,
                    present ? CriterionStatus.EXCLUDED : CriterionStatus.PASSED,
                    (present ? "Recorded present " : "Recorded absent ") + age(r, statement.get()),
                    Observations.ref(statement.get()));
        }
        Optional<Condition> refuted = r.conditionsFor(RehabCodes.FINDING_ARRHYTHMIA, ARRHYTHMIA_TEXT).stream()
                .filter(Conditions::isRefuted)
                .findFirst();
        if (refuted.isPresent()) {
            return result(k, CriterionStatus.PASSED, "Recorded as refuted", Conditions.ref(refuted.get()));
        }
        return result(k, CriterionStatus.NOT_ASSESSED, "No statement on ventricular arrhythmia");
    }

    private CriterionResult bloodPressure(Record r) {
        Criterion k = Criterion.RESTING_BLOOD_PRESSURE;
        Optional<Reading> sys = bpReading(r, RehabCodes.FINDING_SYSTOLIC, SYSTOLIC_TEXT);
        Optional<Reading> dia = bpReading(r, RehabCodes.FINDING_DIASTOLIC, DIASTOLIC_TEXT);
        String[] refs = java.util.stream.Stream.of(sys, dia)
                .flatMap(Optional::stream)
                .map(Reading::ref)
                .distinct()
                .toArray(String[]::new);
        String values = "resting BP " + sys.map(x -> Numbers.format(x.value())).orElse("?") + "/"
                + dia.map(x -> Numbers.format(x.value())).orElse("?") + " mmHg";
        if (sys.map(x -> x.value() > SYSTOLIC_ABSOLUTE).orElse(false)
                || dia.map(x -> x.value() > DIASTOLIC_ABSOLUTE).orElse(false)) {
            return result(
                    k,
                    CriterionStatus.EXCLUDED,
                    values + " > " + Numbers.format(SYSTOLIC_ABSOLUTE) + "/" + Numbers.format(DIASTOLIC_ABSOLUTE),
                    refs);
        }
        if (sys.map(x -> x.value() > SYSTOLIC_RELATIVE).orElse(false)) {
            return result(
                    k,
                    CriterionStatus.OVERRIDE_NEEDED,
                    values + ": systolic > " + Numbers.format(SYSTOLIC_RELATIVE) + " (relative, 6MWT guidance)",
                    refs);
        }
        if (sys.isEmpty() || dia.isEmpty()) {
            return result(
                    k,
                    CriterionStatus.NOT_ASSESSED,
                    "No complete resting blood pressure in the past " + VITALS_DAYS + " days (" + values + ")",
                    refs);
        }
        return result(k, CriterionStatus.PASSED, values, refs);
    }

    private record Reading(double value, String ref) {}

    /** A recent reading, as its own Observation or as a component of a panel. */
    private Optional<Reading> bpReading(Record r, String code, Pattern text) {
        for (Observation o : r.newestFirst()) {
            Optional<LocalDate> d = r.date(o);
            if (d.isEmpty() || r.daysAgo(d.get()) > VITALS_DAYS) {
                continue;
            }
            if (Observations.isCoded(o, RehabCodes.CS_FINDING, code, text)
                    && Observations.number(o).isPresent()) {
                // a reading in a unit that does not convert to mm[Hg] is no reading: the criterion stays open
                return Observations.valueIn(o, Units.MM_HG).map(v -> new Reading(v, Observations.ref(o)));
            }
            for (ObservationComponentComponent comp : o.getComponent()) {
                boolean coded = Codes.has(comp.getCode(), RehabCodes.CS_FINDING, code)
                        || Codes.textMatches(comp.getCode(), text);
                if (coded && comp.hasValueQuantity() && comp.getValueQuantity().hasValue()) {
                    return Units.in(comp.getValueQuantity(), Units.MM_HG).map(v -> new Reading(v, Observations.ref(o)));
                }
            }
        }
        return Optional.empty();
    }

    private CriterionResult heartRate(Record r) {
        Criterion k = Criterion.RESTING_HEART_RATE;
        Optional<Observation> newest = r.newest(RehabCodes.LOINC, RehabCodes.LOINC_HEART_RATE, null);
        Optional<Observation> recent = r.recent(newest, VITALS_DAYS);
        if (recent.isEmpty() || Observations.number(recent.get()).isEmpty()) {
            return result(
                    k,
                    CriterionStatus.NOT_ASSESSED,
                    newest.isEmpty()
                            ? "No heart rate (LOINC 8867-4) recorded"
                            : "Last heart rate " + age(r, newest.get()) + " (older than " + VITALS_DAYS + " days)");
        }
        Optional<Double> perMinute = Observations.valueIn(recent.get(), Units.PER_MINUTE);
        if (perMinute.isEmpty()) {
            return unitNotConvertible(k, "Heart rate", recent.get(), Units.PER_MINUTE);
        }
        double hr = perMinute.get();
        return result(
                k,
                hr > HEART_RATE_ABSOLUTE ? CriterionStatus.EXCLUDED : CriterionStatus.PASSED,
                "Resting heart rate " + Numbers.format(hr) + "/min"
                        + (hr > HEART_RATE_ABSOLUTE ? " > " + Numbers.format(HEART_RATE_ABSOLUTE) : ""),
                Observations.ref(recent.get()));
    }

    private CriterionResult aphasia(Record r) {
        Criterion k = Criterion.APHASIA_TWO_STEP_COMMAND;
        Optional<Observation> twoStep =
                r.recent(r.newest(RehabCodes.CS_FINDING, RehabCodes.FINDING_TWO_STEP, TWO_STEP_TEXT), FUNCTION_DAYS);
        if (twoStep.isPresent() && Observations.flag(twoStep.get()).isPresent()) {
            boolean able = Observations.flag(twoStep.get()).get();
            return result(
                    k,
                    able ? CriterionStatus.PASSED : CriterionStatus.EXCLUDED,
                    able ? "Follows a two-step command" : "Cannot follow a two-step command",
                    Observations.ref(twoStep.get()));
        }
        Optional<Condition> aphasia = r.conditionsFor(RehabCodes.FINDING_APHASIA, APHASIA_TEXT).stream()
                .filter(Conditions::isActive)
                .findFirst();
        if (aphasia.isPresent()) {
            return result(
                    k,
                    CriterionStatus.OVERRIDE_NEEDED,
                    "Aphasia recorded; ability to follow a two-step " + "command not assessed",
                    Conditions.ref(aphasia.get()));
        }
        return result(
                k,
                CriterionStatus.NOT_ASSESSED,
                "Ability to follow a two-step command not recorded in the " + "past " + FUNCTION_DAYS + " days");
    }

    private CriterionResult walkingDistance(Record r) {
        Criterion k = Criterion.MINIMUM_WALKING_DISTANCE;
        Optional<Observation> support = r.recent(
                r.newest(RehabCodes.CS_FINDING, RehabCodes.FINDING_BILATERAL_SUPPORT, BILATERAL_TEXT), FUNCTION_DAYS);
        if (support.isPresent() && Observations.flag(support.get()).orElse(false)) {
            return result(
                    k,
                    CriterionStatus.EXCLUDED,
                    "Needs constant two-sided support to walk",
                    Observations.ref(support.get()));
        }
        Optional<Condition> supportCondition =
                r.conditionsFor(RehabCodes.FINDING_BILATERAL_SUPPORT, BILATERAL_TEXT).stream()
                        .filter(Conditions::isActive)
                        .findFirst();
        if (supportCondition.isPresent()) {
            return result(
                    k,
                    CriterionStatus.EXCLUDED,
                    "Needs constant two-sided support to walk",
                    Conditions.ref(supportCondition.get()));
        }
        Optional<Observation> distance = r.recent(
                r.newestFirst().stream()
                        .filter(o -> Observations.isCoded(
                                        o, RehabCodes.CS_FINDING, RehabCodes.FINDING_WALK_DISTANCE, WALK_DISTANCE_TEXT)
                                || Observations.isCoded(
                                        o, RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_6MWD, SIX_MWD_TEXT))
                        .filter(o -> Observations.number(o).isPresent())
                        .findFirst(),
                FUNCTION_DAYS);
        if (distance.isEmpty()) {
            return result(
                    k,
                    CriterionStatus.NOT_ASSESSED,
                    "No walking distance (maximum distance or 6MWD) in the " + "past " + FUNCTION_DAYS + " days");
        }
        Optional<Double> metres = Observations.valueIn(distance.get(), Units.METRE);
        if (metres.isEmpty()) {
            return unitNotConvertible(k, "Walking distance", distance.get(), Units.METRE);
        }
        double m = metres.get();
        return result(
                k,
                m < MIN_WALK_METRES ? CriterionStatus.EXCLUDED : CriterionStatus.PASSED,
                "Walks " + Numbers.format(m) + " m"
                        + (m < MIN_WALK_METRES ? " < " + Numbers.format(MIN_WALK_METRES) + " m" : ""),
                Observations.ref(distance.get()));
    }

    private CriterionResult msRelapseOrSteroids(Record r) {
        Criterion k = Criterion.MS_RELAPSE_OR_STEROIDS;
        List<String> refs = new ArrayList<>();
        long nearest = Long.MAX_VALUE;
        String what = null;
        for (Condition c : r.conditions()) {
            if (Conditions.isActive(c) && Conditions.isRelapse(c)) {
                return result(
                        k,
                        CriterionStatus.EXCLUDED,
                        Codes.text(c.getCode()) + " has clinicalStatus relapse",
                        Conditions.ref(c));
            }
        }
        for (Condition c : r.conditionsFor(RehabCodes.FINDING_MS_RELAPSE, RELAPSE_TEXT)) {
            Optional<LocalDate> d = r.eventDate(c);
            if (!Conditions.isRefuted(c) && d.isPresent() && r.daysAgo(d.get()) < nearest) {
                nearest = r.daysAgo(d.get());
                what = "MS relapse";
                refs.add(Conditions.ref(c));
            }
        }
        boolean relapseDenied = false;
        boolean steroidDenied = false;
        for (Observation o : r.newestFirst()) {
            boolean relapse =
                    Observations.isCoded(o, RehabCodes.CS_FINDING, RehabCodes.FINDING_MS_RELAPSE, RELAPSE_TEXT);
            boolean steroid = Observations.isCoded(o, RehabCodes.CS_FINDING, RehabCodes.FINDING_STEROIDS, STEROID_TEXT);
            Optional<LocalDate> d = r.date(o);
            if ((!relapse && !steroid) || d.isEmpty()) {
                continue;
            }
            long days = r.daysAgo(d.get());
            boolean present = Observations.flag(o).orElse(true); // a record of a relapse/course without a value
            if (present && days < nearest) {
                nearest = days;
                what = relapse ? "MS relapse" : "Systemic corticosteroids";
                refs.add(Observations.ref(o));
            } else if (!present && days <= MS_ABSOLUTE_DAYS) {
                relapseDenied |= relapse;
                steroidDenied |= steroid;
                refs.add(Observations.ref(o));
            }
        }
        String[] ev = refs.toArray(String[]::new);
        if (nearest <= MS_ABSOLUTE_DAYS) {
            return result(
                    k,
                    CriterionStatus.EXCLUDED,
                    what + " " + nearest + " days ago (within " + MS_ABSOLUTE_DAYS + " days)",
                    ev);
        }
        if (nearest <= MS_RELATIVE_DAYS) {
            return result(
                    k,
                    CriterionStatus.OVERRIDE_NEEDED,
                    what + " " + nearest + " days ago (within " + MS_RELATIVE_DAYS + " days)",
                    ev);
        }
        if (relapseDenied && steroidDenied) {
            return result(
                    k,
                    CriterionStatus.PASSED,
                    "No relapse and no systemic steroids recorded as of the past " + MS_ABSOLUTE_DAYS + " days",
                    ev);
        }
        return result(
                k,
                CriterionStatus.NOT_ASSESSED,
                "Relapse and steroid use in the past " + MS_RELATIVE_DAYS
                        + " days not both recorded" + (relapseDenied ? " (relapse: none)" : "")
                        + (steroidDenied ? " (steroids: none)" : ""),
                ev);
    }

    private CriterionResult fallHistory(Record r) {
        Criterion k = Criterion.FALL_HISTORY;
        for (Condition c : r.conditions()) {
            boolean coded = Codes.has(c.getCode(), RehabCodes.CS_FINDING, RehabCodes.FINDING_FALL_HISTORY)
                    || c.getCode().getCoding().stream()
                            .anyMatch(x -> RehabCodes.ICD10CM.equals(x.getSystem())
                                    && Codes.icdStartsWith(x.getCode(), "Z91.81"))
                    || Codes.textMatches(c.getCode(), Codes.FALL_HISTORY_TEXT);
            if (coded && Conditions.isActive(c)) {
                return result(
                        k,
                        CriterionStatus.RAISES_SUPERVISION,
                        "Fall history recorded: supervision raised by " + "one level",
                        Conditions.ref(c));
            }
        }
        Optional<Observation> o = r.recent(
                r.newest(RehabCodes.CS_FINDING, RehabCodes.FINDING_FALL_HISTORY, Codes.FALL_HISTORY_TEXT),
                FALL_HISTORY_DAYS);
        if (o.isPresent() && Observations.flag(o.get()).isPresent()) {
            boolean falls = Observations.flag(o.get()).get();
            return result(
                    k,
                    falls ? CriterionStatus.RAISES_SUPERVISION : CriterionStatus.PASSED,
                    falls ? "Fall history recorded: supervision raised by one level" : "No falls recorded",
                    Observations.ref(o.get()));
        }
        return result(
                k,
                CriterionStatus.NOT_ASSESSED,
                "Fall history not recorded in the past " + FALL_HISTORY_DAYS + " days");
    }

    /** A value whose unit UCUM cannot convert to the threshold's: not assessed, never a pass. */
    private static CriterionResult unitNotConvertible(Criterion k, String what, Observation o, String unit) {
        return result(
                k,
                CriterionStatus.NOT_ASSESSED,
                what + " recorded in unit '" + Observations.recordedUnit(o) + "', which UCUM cannot convert to '" + unit
                        + "': not assessed",
                Observations.ref(o));
    }
}
