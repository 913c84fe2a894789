package org.rehabfhir.protocols.matching;

import java.time.LocalDate;
import java.time.Period;
import java.time.ZoneId;
import java.time.ZoneOffset;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import java.util.Objects;
import java.util.Optional;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.record.Codes;
import org.rehabfhir.protocols.record.Conditions;
import org.rehabfhir.protocols.record.Dates;
import org.rehabfhir.protocols.record.ObservationSource;
import org.rehabfhir.protocols.record.Observations;
import org.rehabfhir.protocols.record.Units;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Matches a patient's record to catalogue regimens.
 *
 * <p>Only active Conditions count (clinicalStatus active/recurrence/relapse, verificationStatus neither refuted nor
 * entered-in-error). SNOMED CT codes match the regimen's concept exactly, or as a descendant: first by the
 * {@link SnomedSubsumption} (a terminology server), and when it answers "unknown" by the curated table. ICD-10-CM
 * codes match by prefix ({@code I63.512} matches {@code I63}), dots and case ignored. Regimens are ranked by
 * evidence (evidence-level CodeSystem property {@code rank}), then by the most direct match method
 * ({@link MatchMethod} order), then by PlanDefinition id. Thread-safe.
 */
public final class ConditionMatcher {

    private static final Logger LOG = LoggerFactory.getLogger(ConditionMatcher.class);
    private static final String FALL_RISK_GROUP = "older-adult-fall-risk";
    /** Polo-Ferrero 2025: 3-metre backward walk test cut-off for fall risk, seconds. */
    public static final double THREE_METRE_BACKWARD_WALK_CUTOFF_S = 5.5;
    /** The project's codes of the Observations the matching reads ({@link org.rehabfhir.protocols.record.RecordReads}). */
    public static final List<ObservationSource.Code> OBSERVATION_CODES = List.of(
            new ObservationSource.Code(RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT),
            new ObservationSource.Code(RehabCodes.CS_FINDING, RehabCodes.FINDING_FALL_HISTORY));

    private static final Pattern THREE_MBWT_TEXT = Codes.words("\\b(3|three)[- ]?(m|metre|meter) backward walk");

    private final ProtocolCatalogue catalogue;
    private final SnomedSubsumption subsumption;
    private final CuratedSnomedHierarchy curated;
    private final ClinicianAuthoredConditions noTemplate;
    private final Icd10Editions editions;
    /** Each regimen read once: its private PlanDefinition (never handed out: copied into every RegimenMatch). */
    private final List<Regimen> regimens;

    private record Regimen(PlanDefinition planDefinition, String evidenceCode, List<ApplicableCondition> applicable) {}

    private final ZoneId zone;

    /** @param zone the clinic's time zone: the calendar day of onset dates */
    public ConditionMatcher(ProtocolCatalogue catalogue, SnomedSubsumption subsumption, ZoneId zone) {
        this(
                catalogue,
                subsumption,
                CuratedSnomedHierarchy.loadDefault(),
                ClinicianAuthoredConditions.loadDefault(),
                zone);
    }

    public ConditionMatcher(
            ProtocolCatalogue catalogue,
            SnomedSubsumption subsumption,
            CuratedSnomedHierarchy curated,
            ClinicianAuthoredConditions noTemplate,
            ZoneId zone) {
        this(catalogue, subsumption, curated, noTemplate, Icd10Editions.loadDefault(), zone);
    }

    public ConditionMatcher(
            ProtocolCatalogue catalogue,
            SnomedSubsumption subsumption,
            CuratedSnomedHierarchy curated,
            ClinicianAuthoredConditions noTemplate,
            Icd10Editions editions,
            ZoneId zone) {
        this.zone = Objects.requireNonNull(zone, "zone");
        this.editions = Objects.requireNonNull(editions);
        this.catalogue = Objects.requireNonNull(catalogue);
        this.subsumption = subsumption == null ? SnomedSubsumption.UNKNOWN : subsumption;
        this.curated = Objects.requireNonNull(curated);
        this.noTemplate = Objects.requireNonNull(noTemplate);
        this.regimens = catalogue.planDefinitions().stream()
                .map(pd -> new Regimen(pd, ProtocolCatalogue.evidenceCode(pd).orElse("D"), ApplicableCondition.of(pd)))
                .toList();
    }

    /** Matches the record; {@code patient} and {@code observations} may be null/empty. */
    public MatchResult match(
            Patient patient, List<Condition> conditions, List<Observation> observations, LocalDate today) {
        List<String> notes = new ArrayList<>();
        List<Condition> active = new ArrayList<>();
        List<Condition> past = new ArrayList<>();
        for (Condition c : conditions == null ? List.<Condition>of() : conditions) {
            if (Conditions.isActive(c)) {
                active.add(c);
            } else if (!Conditions.isRejected(c)) {
                past.add(c);
            }
        }
        List<Observation> obs = observations == null ? List.of() : observations;

        List<RegimenMatch> regimens = new ArrayList<>();
        java.util.Set<Condition> usedAsHistory = new java.util.HashSet<>();
        for (Regimen regimen : this.regimens) {
            for (ApplicableCondition ac : regimen.applicable()) {
                List<ConditionMatch> matches = new ArrayList<>(matchGroup(ac, patient, active, obs, today, notes));
                matches.addAll(history(ac, past, active, today, usedAsHistory));
                if (!matches.isEmpty()) {
                    String ev = regimen.evidenceCode();
                    regimens.add(new RegimenMatch(
                            regimen.planDefinition().copy(),
                            ac.group(),
                            ev,
                            catalogue.evidenceLabel(ev),
                            catalogue.evidenceRank(ev),
                            matches));
                }
            }
        }
        for (Condition c : conditions == null ? List.<Condition>of() : conditions) {
            if (!Conditions.isActive(c) && !usedAsHistory.contains(c)) {
                notes.add(
                        Conditions.ref(c) + " (" + Codes.text(c.getCode()) + ") ignored: " + Conditions.statusText(c));
            }
        }
        regimens.sort(Comparator.comparingInt(RegimenMatch::evidenceRank)
                .thenComparing(RegimenMatch::bestMethod)
                .thenComparing(m -> m.planDefinition().getIdElement().getIdPart()));
        return new MatchResult(regimens, clinicianAuthored(active), notes);
    }

    private List<ConditionMatch> matchGroup(
            ApplicableCondition ac,
            Patient patient,
            List<Condition> active,
            List<Observation> obs,
            LocalDate today,
            List<String> notes) {
        List<ConditionMatch> found = new ArrayList<>();
        for (Condition c : active) {
            for (Coding coding : c.getCode().getCoding()) {
                codingMatch(ac, c, coding, active).ifPresent(m -> {
                    Optional<String> outside = onsetOutsideWindow(ac, c, today);
                    if (outside.isPresent()) {
                        notes.add(m.source() + " not matched to " + ac.groupDisplay() + ": " + outside.get());
                    } else {
                        found.add(withOnsetNote(m, ac, c));
                    }
                });
            }
        }
        if (FALL_RISK_GROUP.equals(ac.group())) {
            found.addAll(fallRiskObservations(obs));
        }
        if (!found.isEmpty() && ac.minAgeYears().isPresent()) {
            int min = ac.minAgeYears().getAsInt();
            Optional<Integer> age = age(patient, today);
            if (age.isEmpty() || age.get() < min) {
                notes.add(ac.groupDisplay() + " not matched: needs age >= " + min + ", patient age "
                        + age.map(String::valueOf).orElse("unknown (no birthDate)"));
                return List.of();
            }
        }
        found.sort(Comparator.comparing(ConditionMatch::method));
        return found;
    }

    /**
     * Resolved or inactive Conditions that still make the regimen a candidate (its {@code historyMaxDaysSinceOnset}):
     * onset within the window (and within the regimen's own onset window), or a sequela code; each match is marked
     * with the regimen's {@code historyNote}, so the clinician confirms the rehabilitation need.
     */
    private List<ConditionMatch> history(
            ApplicableCondition ac,
            List<Condition> past,
            List<Condition> active,
            LocalDate today,
            java.util.Set<Condition> used) {
        if (ac.historyMaxDaysSinceOnset().isEmpty()) {
            return List.of();
        }
        int window = ac.historyMaxDaysSinceOnset().getAsInt();
        List<ConditionMatch> found = new ArrayList<>();
        for (Condition c : past) {
            for (Coding coding : c.getCode().getCoding()) {
                Optional<ConditionMatch> m = codingMatch(ac, c, coding, active);
                if (m.isEmpty()) {
                    continue;
                }
                boolean sequela = isSequela(ac, coding);
                Optional<LocalDate> onset = Conditions.onsetDate(c, zone);
                boolean recent = onset.map(d -> ChronoUnit.DAYS.between(d, today) <= window)
                                .orElse(false)
                        && onsetOutsideWindow(ac, c, today).isEmpty();
                if (sequela || recent) {
                    ConditionMatch x = m.get();
                    String why = ac.historyNote() + " (" + Conditions.statusText(c)
                            + (sequela ? ", sequela code" : ", onset " + onset.get()) + ")";
                    found.add(new ConditionMatch(
                            x.source(),
                            x.system(),
                            x.code(),
                            x.display(),
                            x.method(),
                            x.matchedTo(),
                            x.note().isBlank() ? why : x.note() + "; " + why));
                    used.add(c);
                    break;
                }
            }
        }
        return found;
    }

    private boolean isSequela(ApplicableCondition ac, Coding coding) {
        for (String cmPrefix : ac.historySequelaIcdPrefixes()) {
            if (RehabCodes.ICD10CM.equals(coding.getSystem()) && Codes.icdStartsWith(coding.getCode(), cmPrefix)) {
                return true;
            }
            Optional<String> mapped = editions.map(coding.getSystem(), cmPrefix)
                    .filter(x -> x.relation() != Icd10Editions.Relation.NONE)
                    .map(Icd10Editions.Mapping::prefix);
            if (mapped.isPresent() && Codes.icdStartsWith(coding.getCode(), mapped.get())) {
                return true;
            }
        }
        return false;
    }

    private Optional<ConditionMatch> codingMatch(
            ApplicableCondition ac, Condition c, Coding coding, List<Condition> active) {
        String system = coding.getSystem();
        String code = coding.getCode();
        if (system == null || code == null) {
            return Optional.empty();
        }
        String display = coding.hasDisplay() ? coding.getDisplay() : Codes.text(c.getCode());
        String ref = Conditions.ref(c);
        if (RehabCodes.SNOMED.equals(system)) {
            for (Coding concept : ac.snomed()) {
                String target = "SNOMED CT " + concept.getCode() + " |" + concept.getDisplay() + "|";
                Optional<MatchMethod> how = snomedMatch(concept.getCode(), code);
                if (how.isPresent()) {
                    return Optional.of(new ConditionMatch(ref, system, code, display, how.get(), target, ""));
                }
            }
        } else if (RehabCodes.ICD10CM.equals(system)) {
            Optional<ConditionMatch> m = icdMatch(ac.icdPrefixes(), MatchMethod.ICD10CM_PREFIX, ref, code, display)
                    .or(() ->
                            icdMatch(ac.curatedIcdPrefixes(), MatchMethod.CURATED_ICD10CM_PREFIX, ref, code, display));
            if (m.isPresent() && !ac.requiresAlsoIcdPrefixes().isEmpty()) {
                Optional<String> co = coCode(ac.requiresAlsoIcdPrefixes(), active);
                if (co.isEmpty()) {
                    return Optional.empty();
                }
                ConditionMatch x = m.get();
                return Optional.of(new ConditionMatch(
                        x.source(),
                        x.system(),
                        x.code(),
                        x.display(),
                        x.method(),
                        x.matchedTo(),
                        "together with " + co.get()));
            }
            return m;
        } else if (editions.isEdition(system)) {
            Optional<ConditionMatch> m = editionMatch(ac.icdPrefixes(), system, ref, code, display)
                    .or(() -> editionMatch(ac.curatedIcdPrefixes(), system, ref, code, display));
            if (m.isPresent() && !ac.requiresAlsoIcdPrefixes().isEmpty()) {
                Optional<String> co = coCode(ac.requiresAlsoIcdPrefixes(), active);
                if (co.isEmpty()) {
                    return Optional.empty();
                }
                ConditionMatch x = m.get();
                return Optional.of(new ConditionMatch(
                        x.source(),
                        x.system(),
                        x.code(),
                        x.display(),
                        x.method(),
                        x.matchedTo(),
                        "together with " + co.get()));
            }
            return m;
        } else if (RehabCodes.CS_CONDITION_GROUP.equals(system) && ac.group().equals(code)) {
            return Optional.of(new ConditionMatch(
                    ref, system, code, display, MatchMethod.LOCAL_CODE, "condition group " + ac.group(), ""));
        }
        return Optional.empty();
    }

    private static Optional<ConditionMatch> icdMatch(
            List<String> prefixes, MatchMethod method, String ref, String code, String display) {
        for (String prefix : prefixes) {
            if (Codes.icdStartsWith(code, prefix)) {
                return Optional.of(new ConditionMatch(
                        ref,
                        RehabCodes.ICD10CM,
                        code,
                        display,
                        method,
                        "ICD-10-CM " + prefix
                                + (Codes.normaliseIcd(code).equals(Codes.normaliseIcd(prefix)) ? " (exact)" : "*"),
                        ""));
            }
        }
        return Optional.empty();
    }

    /** The edition's prefix mapped from each ICD-10-CM prefix (never guessed: rows of {@link Icd10Editions}). */
    private Optional<ConditionMatch> editionMatch(
            List<String> cmPrefixes, String system, String ref, String code, String display) {
        for (String cmPrefix : cmPrefixes) {
            Optional<Icd10Editions.Mapping> mapping =
                    editions.map(system, cmPrefix).filter(x -> x.relation() != Icd10Editions.Relation.NONE);
            if (mapping.isPresent() && Codes.icdStartsWith(code, mapping.get().prefix())) {
                Icd10Editions.Mapping x = mapping.get();
                String note = x.relation() == Icd10Editions.Relation.BROADER
                        ? x.edition() + " " + x.prefix() + " is broader than ICD-10-CM " + cmPrefix + ": " + x.note()
                        : "";
                return Optional.of(new ConditionMatch(
                        ref,
                        system,
                        code,
                        display,
                        MatchMethod.ICD10_EDITION_PREFIX,
                        x.edition() + " " + x.prefix() + "* (mapped from ICD-10-CM " + cmPrefix + ", "
                                + x.relation().name().toLowerCase(java.util.Locale.ROOT) + ")",
                        note));
            }
        }
        return Optional.empty();
    }

    /** A co-code of ICD-10-CM, or of an edition through its mapping (none mapped: no co-code). */
    private Optional<String> coCode(List<String> prefixes, List<Condition> active) {
        for (Condition c : active) {
            for (Coding coding : c.getCode().getCoding()) {
                if (RehabCodes.ICD10CM.equals(coding.getSystem())
                        && prefixes.stream().anyMatch(p -> Codes.icdStartsWith(coding.getCode(), p))) {
                    return Optional.of("ICD-10-CM " + coding.getCode());
                }
                if (editions.isEdition(coding.getSystem())
                        && prefixes.stream()
                                .map(p -> editions.map(coding.getSystem(), p))
                                .flatMap(Optional::stream)
                                .filter(x -> x.relation() != Icd10Editions.Relation.NONE)
                                .anyMatch(x -> Codes.icdStartsWith(coding.getCode(), x.prefix()))) {
                    return Optional.of(coding.getSystem() + " " + coding.getCode());
                }
            }
        }
        return Optional.empty();
    }

    /** Exact, terminology server, or curated descendant; empty when not subsumed. */
    Optional<MatchMethod> snomedMatch(String ancestor, String code) {
        if (ancestor.equals(code)) {
            return Optional.of(MatchMethod.SNOMED_EXACT);
        }
        Optional<Boolean> server;
        try {
            server = subsumption.subsumes(ancestor, code);
        } catch (RuntimeException e) {
            LOG.warn("SNOMED CT subsumption {} / {} failed, using the curated table: {}", ancestor, code, e.toString());
            server = Optional.empty();
        }
        if (server.isPresent()) {
            return server.get() ? Optional.of(MatchMethod.TERMINOLOGY_SERVER) : Optional.empty();
        }
        return curated.isDescendant(ancestor, code) ? Optional.of(MatchMethod.CURATED_DESCENDANT) : Optional.empty();
    }

    private Optional<String> onsetOutsideWindow(ApplicableCondition ac, Condition c, LocalDate today) {
        if (ac.minDaysSinceOnset().isEmpty() && ac.maxDaysSinceOnset().isEmpty()) {
            return Optional.empty();
        }
        Optional<LocalDate> onset = Conditions.onsetDate(c, zone);
        if (onset.isEmpty()) {
            return Optional.empty();
        }
        long days = ChronoUnit.DAYS.between(onset.get(), today);
        if (ac.minDaysSinceOnset().isPresent() && days < ac.minDaysSinceOnset().getAsInt()) {
            return Optional.of("onset " + days + " days ago, needs >= "
                    + ac.minDaysSinceOnset().getAsInt());
        }
        if (ac.maxDaysSinceOnset().isPresent() && days > ac.maxDaysSinceOnset().getAsInt()) {
            return Optional.of("onset " + days + " days ago, needs <= "
                    + ac.maxDaysSinceOnset().getAsInt());
        }
        return Optional.empty();
    }

    private ConditionMatch withOnsetNote(ConditionMatch m, ApplicableCondition ac, Condition c) {
        if ((ac.minDaysSinceOnset().isPresent() || ac.maxDaysSinceOnset().isPresent())
                && Conditions.onsetDate(c, zone).isEmpty()) {
            String note = (m.note().isBlank() ? "" : m.note() + "; ")
                    + "onset date unknown: acute vs chronic not decided, clinician to choose";
            return new ConditionMatch(m.source(), m.system(), m.code(), m.display(), m.method(), m.matchedTo(), note);
        }
        return m;
    }

    private List<ConditionMatch> fallRiskObservations(List<Observation> obs) {
        List<ConditionMatch> out = new ArrayList<>();
        for (Observation o : Observations.newestFirst(obs)) {
            if (Observations.isCoded(o, RehabCodes.CS_OUTCOME, RehabCodes.OUTCOME_3MBWT, THREE_MBWT_TEXT)) {
                Optional<Double> s = Observations.valueIn(o, Units.SECOND);
                if (s.isPresent() && s.get() >= THREE_METRE_BACKWARD_WALK_CUTOFF_S) {
                    out.add(new ConditionMatch(
                            Observations.ref(o),
                            RehabCodes.CS_OUTCOME,
                            RehabCodes.OUTCOME_3MBWT,
                            "3-metre backward walk test " + s.get() + " s",
                            MatchMethod.OBSERVATION,
                            "3MBWT >= " + THREE_METRE_BACKWARD_WALK_CUTOFF_S + " s (Polo-Ferrero 2025)",
                            ""));
                }
                break; // only the newest 3MBWT counts
            }
        }
        for (Observation o : Observations.newestFirst(obs)) {
            if (Observations.isCoded(o, RehabCodes.CS_FINDING, RehabCodes.FINDING_FALL_HISTORY, Codes.FALL_HISTORY_TEXT)
                    && Observations.flag(o).orElse(false)) {
                out.add(new ConditionMatch(
                        Observations.ref(o),
                        RehabCodes.CS_FINDING,
                        RehabCodes.FINDING_FALL_HISTORY,
                        "Fall history",
                        MatchMethod.OBSERVATION,
                        "fall history",
                        ""));
                break;
            }
        }
        return out;
    }

    private List<ClinicianAuthoredFinding> clinicianAuthored(List<Condition> active) {
        List<ClinicianAuthoredFinding> out = new ArrayList<>();
        for (Condition c : active) {
            rows:
            for (ClinicianAuthoredConditions.Row row : noTemplate.rows()) {
                switch (row.kind()) {
                    case "snomed" -> {
                        for (Coding coding : c.getCode().getCoding()) {
                            if (RehabCodes.SNOMED.equals(coding.getSystem()) && coding.hasCode()) {
                                Optional<MatchMethod> how = snomedMatch(row.value(), coding.getCode());
                                if (how.isPresent()) {
                                    out.add(finding(row, c, coding, how.get()));
                                    break rows;
                                }
                            }
                        }
                    }
                    case "icd10cm" -> {
                        for (Coding coding : c.getCode().getCoding()) {
                            if (RehabCodes.ICD10CM.equals(coding.getSystem())
                                    && Codes.icdStartsWith(coding.getCode(), row.value())) {
                                out.add(finding(
                                        row,
                                        c,
                                        coding,
                                        "curated".equals(row.source())
                                                ? MatchMethod.CURATED_ICD10CM_PREFIX
                                                : MatchMethod.ICD10CM_PREFIX));
                                break rows;
                            }
                        }
                    }
                    case "text" -> {
                        if (Codes.textMatches(c.getCode(), row.pattern())) {
                            out.add(new ClinicianAuthoredFinding(
                                    row.group(),
                                    new ConditionMatch(
                                            Conditions.ref(c),
                                            "text",
                                            Codes.text(c.getCode()),
                                            Codes.text(c.getCode()),
                                            MatchMethod.TEXT,
                                            row.display(),
                                            "")));
                            break rows;
                        }
                    }
                    default -> throw new IllegalStateException("Unknown kind " + row.kind());
                }
            }
        }
        return out;
    }

    private static ClinicianAuthoredFinding finding(
            ClinicianAuthoredConditions.Row row, Condition c, Coding coding, MatchMethod method) {
        String display = coding.hasDisplay() ? coding.getDisplay() : Codes.text(c.getCode());
        return new ClinicianAuthoredFinding(
                row.group(),
                new ConditionMatch(
                        Conditions.ref(c),
                        coding.getSystem(),
                        coding.getCode(),
                        display,
                        method,
                        row.display() + " (" + row.value() + ")",
                        ""));
    }

    static Optional<Integer> age(Patient patient, LocalDate today) {
        if (patient == null || !patient.hasBirthDate()) {
            return Optional.empty();
        }
        return Dates.localDate(patient.getBirthDateElement(), ZoneOffset.UTC) // a date: no zone applies
                .map(birth -> Period.between(birth, today).getYears());
    }
}
