package org.rehabfhir.app.screen;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Questionnaire;
import org.hl7.fhir.r4.model.Questionnaire.QuestionnaireItemType;
import org.hl7.fhir.r4.model.QuestionnaireResponse.QuestionnaireResponseItemComponent;
import org.junit.jupiter.api.Test;
import org.rehabfhir.app.fhir.Issues;

class QuestionnaireFormTest {

    /** A group with a quantity (two units), a boolean, an item enabled by the boolean, a choice and a display help. */
    static Questionnaire questionnaire() {
        Questionnaire q = new Questionnaire();
        q.setUrl("http://example.org/Questionnaire/x");
        Questionnaire.QuestionnaireItemComponent group =
                q.addItem().setLinkId("g").setText("Group").setType(QuestionnaireItemType.GROUP);
        Questionnaire.QuestionnaireItemComponent distance = group.addItem()
                .setLinkId("distance")
                .setText("Distance")
                .setType(QuestionnaireItemType.QUANTITY)
                .setRequired(true);
        distance.addExtension(
                QuestionnaireForm.EXT_UNIT_OPTION, new Coding("http://unitsofmeasure.org", "m", "metres"));
        distance.addExtension(
                QuestionnaireForm.EXT_UNIT_OPTION, new Coding("http://unitsofmeasure.org", "[ft_i]", "feet"));
        distance.addItem()
                .setLinkId("distance-help")
                .setText("Below 11 m: excluded")
                .setType(QuestionnaireItemType.DISPLAY);
        group.addItem().setLinkId("relapse").setText("Relapse?").setType(QuestionnaireItemType.BOOLEAN);
        Questionnaire.QuestionnaireItemComponent when =
                group.addItem().setLinkId("relapse-date").setText("When").setType(QuestionnaireItemType.DATE);
        when.addEnableWhen()
                .setQuestion("relapse")
                .setOperator(Questionnaire.QuestionnaireItemOperator.EQUAL)
                .setAnswer(new BooleanType(true));
        Questionnaire.QuestionnaireItemComponent choice =
                q.addItem().setLinkId("aid").setText("Aid").setType(QuestionnaireItemType.CHOICE);
        choice.addAnswerOption().setValue(new Coding("http://example.org/aid", "cane", "Cane"));
        q.addItem().setLinkId("score").setText("Score").setType(QuestionnaireItemType.INTEGER);
        return q;
    }

    @Test
    void rendersEveryItemTypeWithUnitsHelpAndEnableWhen() {
        List<QuestionnaireForm.Item> items = QuestionnaireForm.items(questionnaire(), Map.of(), Issues.none());
        assertThat(items).extracting(QuestionnaireForm.Item::linkId).containsExactly("g", "aid", "score");
        QuestionnaireForm.Item group = items.get(0);
        assertThat(group.group()).isTrue();
        assertThat(group.items())
                .extracting(QuestionnaireForm.Item::linkId)
                .containsExactly("distance", "relapse", "relapse-date");
        QuestionnaireForm.Item distance = group.items().get(0);
        assertThat(distance.kind()).isEqualTo("quantity");
        assertThat(distance.required()).isTrue();
        assertThat(distance.help()).isEqualTo("Below 11 m: excluded");
        assertThat(distance.units()).extracting(QuestionnaireForm.Option::value).containsExactly("m", "[ft_i]");
        assertThat(group.items().get(2).enableWhen())
                .isEqualTo("[{\"question\":\"relapse\",\"operator\":\"=\",\"answer\":\"true\"}]");
        assertThat(items.get(1).options())
                .containsExactly(new QuestionnaireForm.Option("http://example.org/aid|cane", "Cane"));
        assertThat(items.get(2).step()).isEqualTo("1");
    }

    @Test
    void theFormBecomesAResponseNestedLikeTheQuestionnaire() {
        Map<String, String> values = new HashMap<>(Map.of(
                "q.distance",
                "40",
                "u.distance",
                "[ft_i]",
                "q.relapse",
                "false",
                "q.aid",
                "http://example.org/aid|cane",
                "q.score",
                "7"));
        Map<String, String> problems = new HashMap<>();
        List<QuestionnaireResponseItemComponent> answers = QuestionnaireForm.answers(questionnaire(), values, problems);
        assertThat(problems).isEmpty();
        assertThat(answers)
                .extracting(QuestionnaireResponseItemComponent::getLinkId)
                .containsExactly("g", "aid", "score");
        QuestionnaireResponseItemComponent distance = answers.get(0).getItem().get(0);
        Quantity q = (Quantity) distance.getAnswerFirstRep().getValue();
        assertThat(q.getValue()).isEqualByComparingTo("40");
        assertThat(q.getCode()).isEqualTo("[ft_i]");
        assertThat(q.getSystem()).isEqualTo("http://unitsofmeasure.org");
        assertThat(answers.get(0).getItem())
                .extracting(QuestionnaireResponseItemComponent::getLinkId)
                .containsExactly("distance", "relapse"); // the unanswered date is left out
        assertThat(((Coding) answers.get(1).getAnswerFirstRep().getValue()).getCode())
                .isEqualTo("cane");
    }

    @Test
    void aValueThatIsNotANumberIsAProblemOfItsItem() {
        Map<String, String> problems = new HashMap<>();
        QuestionnaireForm.answers(questionnaire(), Map.of("q.score", "seven"), problems);
        assertThat(problems).containsOnlyKeys("score");
    }

    @Test
    void aRefusalsIssuesAreShownAtTheirItems() {
        org.hl7.fhir.r4.model.OperationOutcome oo = new org.hl7.fhir.r4.model.OperationOutcome();
        oo.addIssue()
                .setDiagnostics("Item 'distance': required")
                .addExpression("QuestionnaireResponse.repeat(item).where(linkId='distance')");
        Issues issues = Issues.from(oo, QuestionnaireForm.linkIds(questionnaire()));
        List<QuestionnaireForm.Item> items = QuestionnaireForm.items(questionnaire(), Map.of(), issues);
        assertThat(items.get(0).items().get(0).error()).isEqualTo("Item 'distance': required");
        assertThat(items.get(2).error()).isEmpty();
    }
}
