package org.rehabfhir.protocols.screening;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemComponent;
import org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemEnableWhenComponent;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseItemAnswerComponent;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseItemComponent;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.record.Numbers;
import org.rehabfhir.protocols.record.Units;

/**
 * Turns a completed response to the safety-screen Questionnaire ({@link #QUESTIONNAIRE_URL}) into the Observations
 * the {@link SafetyScreener} reads, in the spirit of SDC observation-based extraction: every enabled, answered item
 * with a {@code code} becomes one Observation with that code, the answer as its value (a number with the item's
 * {@code questionnaire-unit} as a UCUM Quantity), {@code effective} = the response's {@code authored} or, where a
 * date item depends on the item by {@code enableWhen} (the date a relapse began), that date, and {@code derivedFrom}
 * the response. Checks the whole response first: an incomplete or invalid one gives every problem, by linkId, and
 * no Observation. Stores nothing. Thread-safe.
 */
public final class ScreenResponseExtractor {

    public static final String QUESTIONNAIRE_URL = RehabCodes.BASE + "/Questionnaire/retro-walking-safety-screen";
    private static final String EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
    private static final String EXT_UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption";
    private static final String EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue";
    private static final String EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue";
    private static final String CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    /** Items whose Observations are vital signs (FHIR category); the rest are exam findings, the MMSE a survey. */
    private static final Set<String> VITAL_SIGNS =
            Set.of(RehabCodes.FINDING_SYSTOLIC, RehabCodes.FINDING_DIASTOLIC, RehabCodes.LOINC_HEART_RATE);

    /** One problem of a response: the item's linkId (null for the response as a whole) and what is wrong. */
    public record Problem(String linkId, String message) {}

    /** The response cannot be extracted; {@link #problems()} names every item. */
    public static final class InvalidResponseException extends RuntimeException {
        private final List<Problem> problems;

        public InvalidResponseException(List<Problem> problems) {
            super(problems.size() + " problem(s) in the safety-screen response: " + problems);
            this.problems = List.copyOf(problems);
        }

        public List<Problem> problems() {
            return problems;
        }

        /** One error issue per problem; {@code expression} locates the item ({@code QuestionnaireResponse.item.where(linkId='...')}). */
        public OperationOutcome toOperationOutcome() {
            OperationOutcome oo = new OperationOutcome();
            for (Problem p : problems) {
                OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                        .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                        .setCode(OperationOutcome.IssueType.INVALID)
                        .setDiagnostics(p.linkId() == null ? p.message() : "Item '" + p.linkId() + "': " + p.message());
                if (p.linkId() != null) {
                    issue.addExpression("QuestionnaireResponse.repeat(item).where(linkId='" + p.linkId() + "')");
                }
            }
            return oo;
        }
    }

    private final Questionnaire questionnaire;

    public ScreenResponseExtractor(ProtocolCatalogue catalogue) {
        this.questionnaire = catalogue
                .questionnaire(QUESTIONNAIRE_URL)
                .orElseThrow(() -> new IllegalStateException("The catalogue has no " + QUESTIONNAIRE_URL));
    }

    /** Whether the response claims to answer the safety screen (any version). */
    public static boolean answersTheScreen(QuestionnaireResponse response) {
        String canonical = response.getQuestionnaire();
        return canonical != null
                && (canonical.equals(QUESTIONNAIRE_URL) || canonical.startsWith(QUESTIONNAIRE_URL + "|"));
    }

    /** The problems of the response; empty when it can be extracted. */
    public List<Problem> check(QuestionnaireResponse response) {
        List<Problem> problems = new ArrayList<>();
        if (!answersTheScreen(response)) {
            problems.add(new Problem(
                    null,
                    "questionnaire must be " + QUESTIONNAIRE_URL + " (this server extracts the "
                            + "safety screen only), not " + response.getQuestionnaire()));
            return problems;
        }
        if (response.getStatus() != QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED) {
            problems.add(new Problem(
                    null,
                    "status must be completed to record a screen, not "
                            + (response.hasStatus() ? response.getStatus().toCode() : "empty")));
        }
        if (!"Patient".equals(response.getSubject().getReferenceElement().getResourceType())
                || !response.getSubject().getReferenceElement().hasIdPart()) {
            problems.add(new Problem(null, "subject must be the screened Patient (Patient/<id>)"));
        }
        if (!response.hasAuthored()) {
            problems.add(new Problem(null, "authored (when the screen was done) is required"));
        }
        Map<String, List<QuestionnaireResponseItemAnswerComponent>> answers = answers(response, problems);
        Map<String, QuestionnaireItemComponent> items = new LinkedHashMap<>();
        flatten(questionnaire().getItem(), items);
        for (String linkId : answers.keySet()) {
            if (!items.containsKey(linkId)) {
                problems.add(new Problem(linkId, "not an item of " + QUESTIONNAIRE_URL));
            }
        }
        for (QuestionnaireItemComponent item : items.values()) {
            if (item.getType() == Questionnaire.QuestionnaireItemType.GROUP
                    || item.getType() == Questionnaire.QuestionnaireItemType.DISPLAY) {
                continue;
            }
            List<QuestionnaireResponseItemAnswerComponent> given = answers.getOrDefault(item.getLinkId(), List.of());
            boolean enabled = enabled(item, answers);
            if (!enabled) {
                if (!given.isEmpty()) {
                    problems.add(new Problem(
                            item.getLinkId(), "answered although not enabled (" + enableWhenText(item) + ")"));
                }
                continue;
            }
            if (given.isEmpty()) {
                if (item.getRequired()) {
                    problems.add(new Problem(item.getLinkId(), "required: " + item.getText()));
                }
                continue;
            }
            if (given.size() > 1) {
                problems.add(new Problem(item.getLinkId(), "one answer expected, got " + given.size()));
                continue;
            }
            checkAnswer(item, given.get(0).getValue(), problems);
        }
        return problems;
    }

    /**
     * The Observations of a response that {@link #check} accepts (ids unset).
     *
     * @param derivedFrom the stored response ({@code QuestionnaireResponse/<id>})
     * @param performer   who screened (the caller's Practitioner), may be null
     * @throws InvalidResponseException listing every problem when the response cannot be extracted
     */
    public List<Observation> extract(QuestionnaireResponse response, Reference derivedFrom, Reference performer) {
        List<Problem> problems = check(response);
        if (!problems.isEmpty()) {
            throw new InvalidResponseException(problems);
        }
        Map<String, List<QuestionnaireResponseItemAnswerComponent>> answers = answers(response, new ArrayList<>());
        Map<String, QuestionnaireItemComponent> items = new LinkedHashMap<>();
        flatten(questionnaire().getItem(), items);
        List<Observation> out = new ArrayList<>();
        for (QuestionnaireItemComponent item : items.values()) {
            List<QuestionnaireResponseItemAnswerComponent> given = answers.getOrDefault(item.getLinkId(), List.of());
            if (!item.hasCode() || given.isEmpty() || !enabled(item, answers)) {
                continue;
            }
            Observation o = new Observation();
            o.setStatus(Observation.ObservationStatus.FINAL);
            String code = item.getCodeFirstRep().getCode();
            String category = VITAL_SIGNS.contains(code)
                    ? "vital-signs"
                    : RehabCodes.FINDING_MMSE.equals(code) ? "survey" : "exam";
            o.addCategory(new CodeableConcept(new Coding(CATEGORY, category, null)));
            CodeableConcept cc = new CodeableConcept().setText(item.getText());
            item.getCode().forEach(c -> cc.addCoding(c.copy()));
            o.setCode(cc);
            o.setSubject(response.getSubject().copy());
            o.setEffective(eventDate(item, items, answers)
                    .<Type>map(d -> new DateTimeType(d.getValueAsString()))
                    .orElseGet(() -> response.getAuthoredElement().copy()));
            o.setIssued(response.getAuthored());
            if (performer != null) {
                o.addPerformer(performer.copy());
            }
            if (derivedFrom != null) {
                o.addDerivedFrom(derivedFrom.copy());
            }
            o.setValue(value(item, given.get(0).getValue()));
            out.add(o);
        }
        return out;
    }

    // ------------------------------------------------------------------ answers

    private static Map<String, List<QuestionnaireResponseItemAnswerComponent>> answers(
            QuestionnaireResponse response, List<Problem> problems) {
        Map<String, List<QuestionnaireResponseItemAnswerComponent>> out = new LinkedHashMap<>();
        collect(response.getItem(), out, problems);
        return out;
    }

    private static void collect(
            List<QuestionnaireResponseItemComponent> items,
            Map<String, List<QuestionnaireResponseItemAnswerComponent>> out,
            List<Problem> problems) {
        for (QuestionnaireResponseItemComponent item : items) {
            if (!item.hasLinkId()) {
                problems.add(new Problem(null, "an item without linkId"));
                continue;
            }
            if (item.hasAnswer()) {
                if (out.containsKey(item.getLinkId())) {
                    problems.add(new Problem(item.getLinkId(), "answered more than once"));
                }
                out.computeIfAbsent(item.getLinkId(), k -> new ArrayList<>()).addAll(item.getAnswer());
            }
            collect(item.getItem(), out, problems);
            item.getAnswer().forEach(a -> collect(a.getItem(), out, problems));
        }
    }

    private static void flatten(List<QuestionnaireItemComponent> items, Map<String, QuestionnaireItemComponent> out) {
        for (QuestionnaireItemComponent item : items) {
            out.put(item.getLinkId(), item);
            flatten(item.getItem(), out);
        }
    }

    /** enableWhen on boolean questions (the only kind the screen uses), behaviour "all"; no enableWhen: enabled. */
    private static boolean enabled(
            QuestionnaireItemComponent item, Map<String, List<QuestionnaireResponseItemAnswerComponent>> answers) {
        for (QuestionnaireItemEnableWhenComponent when : item.getEnableWhen()) {
            List<QuestionnaireResponseItemAnswerComponent> a = answers.getOrDefault(when.getQuestion(), List.of());
            boolean expected = when.getAnswerBooleanType().booleanValue();
            boolean matches = !a.isEmpty()
                    && a.get(0).getValue() instanceof BooleanType b
                    && b.getValue() != null
                    && b.getValue() == expected;
            if (!matches) {
                return false;
            }
        }
        return true;
    }

    private static String enableWhenText(QuestionnaireItemComponent item) {
        return item.getEnableWhen().stream()
                .map(w -> "only when '" + w.getQuestion() + "' is "
                        + w.getAnswerBooleanType().getValueAsString())
                .reduce((a, b) -> a + " and " + b)
                .orElse("");
    }

    /** The date of a date item that depends on this item (e.g. when the relapse began), if answered. */
    private static Optional<DateType> eventDate(
            QuestionnaireItemComponent item,
            Map<String, QuestionnaireItemComponent> items,
            Map<String, List<QuestionnaireResponseItemAnswerComponent>> answers) {
        for (QuestionnaireItemComponent other : items.values()) {
            if (other.getType() == Questionnaire.QuestionnaireItemType.DATE
                    && other.getEnableWhen().stream()
                            .anyMatch(w -> item.getLinkId().equals(w.getQuestion()))
                    && enabled(other, answers)) {
                List<QuestionnaireResponseItemAnswerComponent> a = answers.getOrDefault(other.getLinkId(), List.of());
                if (!a.isEmpty() && a.get(0).getValue() instanceof DateType d && d.getValue() != null) {
                    return Optional.of(d);
                }
            }
        }
        return Optional.empty();
    }

    private static void checkAnswer(QuestionnaireItemComponent item, Type value, List<Problem> problems) {
        String linkId = item.getLinkId();
        switch (item.getType()) {
            case BOOLEAN -> {
                if (!(value instanceof BooleanType b) || b.getValue() == null) {
                    problems.add(new Problem(linkId, "answer must be valueBoolean"));
                }
            }
            case INTEGER -> {
                if (!(value instanceof IntegerType i) || i.getValue() == null) {
                    problems.add(new Problem(linkId, "answer must be valueInteger"));
                } else {
                    checkRange(item, i.getValue().doubleValue(), problems);
                }
            }
            case DECIMAL -> {
                if (!(value instanceof DecimalType d) || d.getValue() == null) {
                    problems.add(new Problem(linkId, "answer must be valueDecimal"));
                } else {
                    checkRange(item, d.getValue().doubleValue(), problems);
                }
            }
            case DATE -> {
                if (!(value instanceof DateType d) || d.getValue() == null) {
                    problems.add(new Problem(linkId, "answer must be valueDate"));
                }
            }
            case QUANTITY -> checkQuantity(item, value, problems);
            default -> problems.add(new Problem(
                    linkId, "unsupported item type " + item.getType().toCode()));
        }
    }

    private static void checkQuantity(QuestionnaireItemComponent item, Type value, List<Problem> problems) {
        String linkId = item.getLinkId();
        if (!(value instanceof Quantity q) || !q.hasValue()) {
            problems.add(new Problem(linkId, "answer must be valueQuantity with a value"));
            return;
        }
        List<String> options = item.getExtensionsByUrl(EXT_UNIT_OPTION).stream()
                .map(e -> ((Coding) e.getValue()).getCode())
                .toList();
        String target = options.isEmpty() ? null : options.get(0);
        String unit = q.hasCode() ? q.getCode() : null;
        boolean ucum = !q.hasSystem() || RehabCodes.UCUM.equals(q.getSystem());
        if (target != null && (!ucum || !Units.convertible(unit, target))) {
            problems.add(new Problem(
                    linkId,
                    "unit must be a UCUM unit convertible to " + target + " (one of "
                            + options + "), not " + (unit == null ? "none" : "'" + unit + "'")
                            + (ucum ? "" : " of system " + q.getSystem())));
            return;
        }
        if (q.getValue().signum() < 0) {
            problems.add(new Problem(linkId, "must not be negative"));
        }
    }

    private static void checkRange(QuestionnaireItemComponent item, double v, List<Problem> problems) {
        bound(item, EXT_MIN)
                .filter(min -> v < min)
                .ifPresent(min -> problems.add(new Problem(
                        item.getLinkId(), "must be at least " + Numbers.format(min) + ", got " + Numbers.format(v))));
        bound(item, EXT_MAX)
                .filter(max -> v > max)
                .ifPresent(max -> problems.add(new Problem(
                        item.getLinkId(), "must be at most " + Numbers.format(max) + ", got " + Numbers.format(v))));
    }

    private static Optional<Double> bound(QuestionnaireItemComponent item, String url) {
        Extension e = item.getExtensionByUrl(url);
        if (e == null) {
            return Optional.empty();
        }
        if (e.getValue() instanceof IntegerType i) {
            return Optional.of(i.getValue().doubleValue());
        }
        return e.getValue() instanceof DecimalType d ? Optional.of(d.getValue().doubleValue()) : Optional.empty();
    }

    private static Type value(QuestionnaireItemComponent item, Type answer) {
        if (answer instanceof Quantity q) {
            Quantity copy = q.copy();
            if (!copy.hasSystem()) {
                copy.setSystem(RehabCodes.UCUM);
            }
            return copy;
        }
        Extension unit = item.getExtensionByUrl(EXT_UNIT);
        if (unit != null && (answer instanceof IntegerType || answer instanceof DecimalType)) {
            Coding c = (Coding) unit.getValue();
            double v = answer instanceof IntegerType i
                    ? i.getValue()
                    : ((DecimalType) answer).getValue().doubleValue();
            return new Quantity()
                    .setValue(v)
                    .setUnit(c.getCode())
                    .setSystem(RehabCodes.UCUM)
                    .setCode(c.getCode());
        }
        return answer.copy();
    }

    /** The Questionnaire this extractor reads: a copy of its own (HAPI's getters are not safe to share). */
    public Questionnaire questionnaire() {
        return questionnaire.copy();
    }
}
