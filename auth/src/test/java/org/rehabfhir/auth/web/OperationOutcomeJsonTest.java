package org.rehabfhir.auth.web;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;

class OperationOutcomeJsonTest {

    private final FhirContext fhir = FhirContext.forR4Cached();

    @Test
    void theBodyIsAnOperationOutcomeThatHapiParsesBack() {
        String diagnostics = "Bearer token \"x\\y\" refused\n\ttab\u0001 and </script>";

        OperationOutcome outcome = fhir.newJsonParser()
                .parseResource(OperationOutcome.class, OperationOutcomeJson.of("login", diagnostics));

        assertThat(outcome.getIssue()).hasSize(1);
        assertThat(outcome.getIssueFirstRep().getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
        assertThat(outcome.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.LOGIN);
        assertThat(outcome.getIssueFirstRep().getDiagnostics()).isEqualTo(diagnostics);
    }

    @Test
    void theIssueTypeIsTheFhirCodeGiven() {
        String json = OperationOutcomeJson.of("too-costly", "Body larger than 5242880 bytes");

        assertThat(fhir.newJsonParser()
                        .parseResource(OperationOutcome.class, json)
                        .getIssueFirstRep()
                        .getCode())
                .isEqualTo(OperationOutcome.IssueType.TOOCOSTLY);
    }
}
