package org.rehabfhir.app.fhir;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;

class IssuesTest {

    static OperationOutcome outcome(String diagnostics, String expression) {
        OperationOutcome oo = new OperationOutcome();
        OperationOutcome.OperationOutcomeIssueComponent issue = oo.addIssue()
                .setSeverity(OperationOutcome.IssueSeverity.ERROR)
                .setCode(OperationOutcome.IssueType.REQUIRED)
                .setDiagnostics(diagnostics);
        if (expression != null) {
            issue.addExpression(expression);
        }
        return oo;
    }

    @Test
    void issueWithALinkIdExpressionGoesToThatItem() {
        Issues issues = Issues.from(
                outcome("MMSE is required", "QuestionnaireResponse.item[linkId=mmse]"), List.of("mmse", "hr"));
        assertThat(issues.byField()).containsOnlyKeys("mmse");
        assertThat(issues.text("mmse")).isEqualTo("MMSE is required");
        assertThat(issues.general()).isEmpty();
    }

    @Test
    void parameterNamedInTheLocationOrTheDiagnosticsGoesToThatField() {
        assertThat(Issues.from(outcome("out of range", "Parameters.parameter[name=speed]"), List.of("speed", "rpe"))
                        .has("speed"))
                .isTrue();
        assertThat(Issues.from(outcome("Parameter 'rpe' must be 0-10", null), List.of("speed", "rpe"))
                        .has("rpe"))
                .isTrue();
        // a field name inside another word does not count
        assertThat(Issues.from(outcome("superspeedy", null), List.of("speed")).has("speed"))
                .isFalse();
    }

    @Test
    void issueNamingNoKnownFieldIsGeneral() {
        Issues issues = Issues.from(outcome("Plan is not a draft", null), List.of("speed"));
        assertThat(issues.byField()).isEmpty();
        assertThat(issues.general()).containsExactly("Plan is not a draft");
    }
}
