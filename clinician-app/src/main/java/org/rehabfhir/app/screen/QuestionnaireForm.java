package org.rehabfhir.app.screen;

import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemComponent;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseItemComponent;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.rehabfhir.app.fhir.Issues;

/**
 * A FHIR Questionnaire as an HTML form, generically: groups become fieldsets, display items with item-control
 * {@code help} become hints, and boolean, decimal, integer, quantity (units from {@code questionnaire-unit} /
 * {@code questionnaire-unitOption}), choice/coding ({@code answerOption}), date, dateTime, string and text items become
 * labelled inputs; {@code required}, {@code minValue}/{@code maxValue} and {@code enableWhen} are carried to the page.
 * The submitted form (fields {@code q.<linkId>}, units {@code u.<linkId>}) becomes a QuestionnaireResponse with the
 * same item nesting.
 */
public final class QuestionnaireForm {

    static final String EXT_UNIT = "http://hl7.org/fhir/StructureDefinition/questionnaire-unit";
    static final String EXT_UNIT_OPTION = "http://hl7.org/fhir/StructureDefinition/questionnaire-unitOption";
    static final String EXT_ITEM_CONTROL = "http://hl7.org/fhir/StructureDefinition/questionnaire-itemControl";
    static final String EXT_MIN = "http://hl7.org/fhir/StructureDefinition/minValue";
    static final String EXT_MAX = "http://hl7.org/fhir/StructureDefinition/maxValue";
    private static final ObjectMapper JSON = new ObjectMapper();

    /** One item of the form. {@code kind}: group, boolean, number, quantity, choice, date, datetime, text, textarea. */
    public record Item(
            String linkId,
            String text,
            String kind,
            boolean required,
            String help,
            String step,
            String min,
            String max,
            List<Option> units,
            List<Option> options,
            String enableWhen,
            String enableBehavior,
            List<Item> items,
            String value,
            String unit,
            String error) {

        public boolean group() {
            return "group".equals(kind);
        }

        public String field() {
            return "q." + linkId;
        }

        public String unitField() {
            return "u." + linkId;
        }

        public String id() {
            return "q-" + linkId;
        }
    }

    public record Option(String value, String label) {}

    private QuestionnaireForm() {}

    /** The form's items with the given values and the issues of a refused response next to their items. */
    public static List<Item> items(Questionnaire questionnaire, Map<String, String> values, Issues issues) {
        return items(questionnaire.getItem(), values, issues);
    }

    private static List<Item> items(
            List<QuestionnaireItemComponent> source, Map<String, String> values, Issues issues) {
        List<Item> out = new ArrayList<>();
        for (QuestionnaireItemComponent q : source) {
            if (q.getType() == Questionnaire.QuestionnaireItemType.DISPLAY) {
                continue; // shown as the help of its parent, or as plain text of a group below
            }
            String help = q.getItem().stream()
                    .filter(c -> c.getType() == Questionnaire.QuestionnaireItemType.DISPLAY)
                    .map(QuestionnaireItemComponent::getText)
                    .reduce((a, b) -> a + " " + b)
                    .orElse(null);
            List<Option> units = new ArrayList<>();
            for (Extension e : q.getExtension()) {
                if ((EXT_UNIT_OPTION.equals(e.getUrl()) || EXT_UNIT.equals(e.getUrl()))
                        && e.getValue() instanceof Coding c) {
                    units.add(new Option(c.getCode(), c.hasDisplay() ? c.getDisplay() : c.getCode()));
                }
            }
            List<Option> options = new ArrayList<>();
            for (Questionnaire.QuestionnaireItemAnswerOptionComponent o : q.getAnswerOption()) {
                if (o.getValue() instanceof Coding c) {
                    options.add(new Option(
                            c.getSystem() + "|" + c.getCode(), c.hasDisplay() ? c.getDisplay() : c.getCode()));
                } else if (o.getValue() != null) {
                    options.add(new Option(
                            o.getValue().primitiveValue(), o.getValue().primitiveValue()));
                }
            }
            String kind =
                    switch (q.getType()) {
                        case GROUP -> "group";
                        case BOOLEAN -> "boolean";
                        case DECIMAL, INTEGER -> "number";
                        case QUANTITY -> "quantity";
                        case CHOICE, OPENCHOICE -> "choice";
                        case DATE -> "date";
                        case DATETIME -> "datetime";
                        case TEXT -> "textarea";
                        default -> "text";
                    };
            String step = q.getType() == Questionnaire.QuestionnaireItemType.INTEGER ? "1" : "any";
            List<Item> children = items(q.getItem(), values, issues);
            String value = values.get("q." + q.getLinkId());
            String unit = values.getOrDefault(
                    "u." + q.getLinkId(), units.isEmpty() ? null : units.get(0).value());
            out.add(new Item(
                    q.getLinkId(),
                    q.getText(),
                    kind,
                    q.getRequired(),
                    help,
                    step,
                    limit(q, EXT_MIN),
                    limit(q, EXT_MAX),
                    units,
                    options,
                    enableWhen(q),
                    q.hasEnableBehavior() ? q.getEnableBehavior().toCode() : "all",
                    children,
                    value,
                    unit,
                    issues == null ? "" : issues.text(q.getLinkId())));
        }
        return out;
    }

    private static String limit(QuestionnaireItemComponent q, String url) {
        Extension e = q.getExtensionByUrl(url);
        return e == null || e.getValue() == null ? null : e.getValue().primitiveValue();
    }

    /** {@code enableWhen} as JSON for the page's script ({@code [{"question","operator","answer"}]}), or null. */
    static String enableWhen(QuestionnaireItemComponent q) {
        if (!q.hasEnableWhen()) {
            return null;
        }
        List<Map<String, Object>> conditions = new ArrayList<>();
        for (Questionnaire.QuestionnaireItemEnableWhenComponent w : q.getEnableWhen()) {
            Map<String, Object> c = new LinkedHashMap<>();
            c.put("question", w.getQuestion());
            c.put("operator", w.getOperator().toCode());
            Type answer = w.getAnswer();
            c.put(
                    "answer",
                    answer instanceof Coding coding
                            ? coding.getSystem() + "|" + coding.getCode()
                            : answer instanceof Quantity qty
                                    ? qty.getValue().toPlainString()
                                    : answer.primitiveValue());
            conditions.add(c);
        }
        try {
            return JSON.writeValueAsString(conditions);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    /** All linkIds of answerable items (to sort a refusal's issues to them). */
    public static List<String> linkIds(Questionnaire questionnaire) {
        List<String> ids = new ArrayList<>();
        collect(questionnaire.getItem(), ids);
        return ids;
    }

    private static void collect(List<QuestionnaireItemComponent> items, List<String> ids) {
        for (QuestionnaireItemComponent q : items) {
            if (q.getType() != Questionnaire.QuestionnaireItemType.DISPLAY
                    && q.getType() != Questionnaire.QuestionnaireItemType.GROUP) {
                ids.add(q.getLinkId());
            }
            collect(q.getItem(), ids);
        }
    }

    /**
     * The response items for the submitted values, nested like the Questionnaire; unanswered items are left out (the
     * server says which required ones are missing). A value that is not a number where a number is asked is a
     * problem of that item, in {@code problems}.
     */
    public static List<QuestionnaireResponseItemComponent> answers(
            Questionnaire questionnaire, Map<String, String> values, Map<String, String> problems) {
        return answers(questionnaire.getItem(), values, problems);
    }

    private static List<QuestionnaireResponseItemComponent> answers(
            List<QuestionnaireItemComponent> source, Map<String, String> values, Map<String, String> problems) {
        List<QuestionnaireResponseItemComponent> out = new ArrayList<>();
        for (QuestionnaireItemComponent q : source) {
            if (q.getType() == Questionnaire.QuestionnaireItemType.DISPLAY) {
                continue;
            }
            if (q.getType() == Questionnaire.QuestionnaireItemType.GROUP) {
                List<QuestionnaireResponseItemComponent> children = answers(q.getItem(), values, problems);
                if (!children.isEmpty()) {
                    QuestionnaireResponseItemComponent group =
                            new QuestionnaireResponseItemComponent().setLinkId(q.getLinkId());
                    group.setText(q.getText());
                    group.getItem().addAll(children);
                    out.add(group);
                }
                continue;
            }
            String raw = values.get("q." + q.getLinkId());
            Type value = raw == null || raw.isBlank()
                    ? null
                    : value(q, raw.trim(), values.get("u." + q.getLinkId()), problems);
            List<QuestionnaireResponseItemComponent> children = answers(q.getItem(), values, problems);
            if (value != null) {
                QuestionnaireResponseItemComponent item =
                        new QuestionnaireResponseItemComponent().setLinkId(q.getLinkId());
                item.setText(q.getText());
                item.addAnswer().setValue(value);
                item.getItem().addAll(children);
                out.add(item);
            } else {
                out.addAll(children);
            }
        }
        return out;
    }

    static Type value(QuestionnaireItemComponent q, String raw, String unit, Map<String, String> problems) {
        try {
            return switch (q.getType()) {
                case BOOLEAN -> new BooleanType("true".equals(raw));
                case INTEGER -> new IntegerType(Integer.parseInt(raw));
                case DECIMAL -> new DecimalType(new BigDecimal(raw));
                case QUANTITY -> new Quantity()
                        .setValue(new BigDecimal(raw))
                        .setSystem("http://unitsofmeasure.org")
                        .setCode(unit)
                        .setUnit(unit);
                case DATE -> new DateType(raw);
                case DATETIME -> new DateTimeType(java.util.Date.from(java.time.LocalDateTime.parse(raw)
                        .atZone(java.time.ZoneId.systemDefault())
                        .toInstant()));
                case CHOICE, OPENCHOICE -> raw.contains("|")
                        ? new Coding(raw.substring(0, raw.indexOf('|')), raw.substring(raw.indexOf('|') + 1), null)
                        : new StringType(raw);
                default -> new StringType(raw);
            };
        } catch (RuntimeException notANumberOrDate) {
            problems.put(
                    q.getLinkId(),
                    "Enter a valid " + (q.getType() == Questionnaire.QuestionnaireItemType.DATE ? "date" : "number")
                            + ".");
            return null;
        }
    }

    /** A completed response for {@code patient}, authored now. */
    public static QuestionnaireResponse response(
            String canonical, String patient, List<QuestionnaireResponseItemComponent> items) {
        QuestionnaireResponse r = new QuestionnaireResponse();
        r.setQuestionnaire(canonical);
        r.setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
        r.setSubject(new org.hl7.fhir.r4.model.Reference(patient));
        r.setAuthored(new java.util.Date());
        r.getItem().addAll(items);
        return r;
    }
}
