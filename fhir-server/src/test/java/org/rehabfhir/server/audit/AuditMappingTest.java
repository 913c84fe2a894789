package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import java.time.Instant;
import java.util.Collections;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/** The audit's and the outcome report's pure mappings, without a server (plain JUnit). */
class AuditMappingTest {

    @Test
    void purposeOfUseIsNormalisedToSystemAndCodeMalformedValuesDroppedAtMostFive() {
        assertThat(AuditEntryFactory.purposeOfUse(List.of("TREAT, http://example.org/cs|X1", "bad value!")))
                .containsExactly(BalpAuditEventBuilder.CS_ACT_REASON + "|TREAT", "http://example.org/cs|X1");
        assertThat(AuditEntryFactory.purposeOfUse(List.of("A,B,C,D,E,F,G"))).hasSize(5);
        assertThat(AuditEntryFactory.purposeOfUse(null)).isEmpty();
        assertThat(AuditEntryFactory.purposeOfUse(Collections.singletonList(null)))
                .isEmpty();
    }

    @Test
    void interactionCodesFollowHapisOperationTypeElseTheHttpMethod() {
        assertThat(AuditEntryFactory.interaction(
                        RestOperationTypeEnum.READ, "GET", "Patient", new IdType("Patient/1"), null))
                .isEqualTo("read");
        assertThat(AuditEntryFactory.interaction(RestOperationTypeEnum.GET_PAGE, "GET", null, null, null))
                .isEqualTo("search-type");
        assertThat(AuditEntryFactory.interaction(
                        RestOperationTypeEnum.TRANSACTION,
                        "POST",
                        null,
                        null,
                        new Bundle().setType(Bundle.BundleType.BATCH)))
                .isEqualTo("batch");
        assertThat(AuditEntryFactory.interaction(
                        RestOperationTypeEnum.TRANSACTION,
                        "POST",
                        null,
                        null,
                        new Bundle().setType(Bundle.BundleType.TRANSACTION)))
                .isEqualTo("transaction");
        assertThat(AuditEntryFactory.interaction(RestOperationTypeEnum.METADATA, "GET", null, null, null))
                .isEqualTo("capabilities");
        assertThat(AuditEntryFactory.interaction(RestOperationTypeEnum.HISTORY_TYPE, "GET", "Patient", null, null))
                .isEqualTo("history-type");
        assertThat(AuditEntryFactory.interaction(
                        RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE,
                        "POST",
                        "CarePlan",
                        new IdType("CarePlan/1"),
                        null))
                .isEqualTo("operation");
        // refused before HAPI knew the operation: from the method
        assertThat(AuditEntryFactory.interaction(null, "GET", "Patient", null, null))
                .isEqualTo("search-type");
        assertThat(AuditEntryFactory.byMethod("GET", "Patient", true)).isEqualTo("read");
        assertThat(AuditEntryFactory.byMethod("POST", null, false)).isEqualTo("transaction");
        assertThat(AuditEntryFactory.byMethod("POST", "Observation", false)).isEqualTo("create");
        assertThat(AuditEntryFactory.byMethod("BREW", "Patient", false)).isEqualTo("operation");
        assertThat(AuditEntryFactory.byMethod(null, null, false)).isEqualTo("operation");
    }

    @Test
    void purposeConceptReadsABareCodeAsActReason() {
        CodeableConcept bare = BalpAuditEventBuilder.purposeConcept("TREAT");
        assertThat(bare.getCodingFirstRep().getSystem()).isEqualTo(BalpAuditEventBuilder.CS_ACT_REASON);
        assertThat(bare.getCodingFirstRep().getCode()).isEqualTo("TREAT");
        CodeableConcept qualified = BalpAuditEventBuilder.purposeConcept("http://example.org/cs|X1");
        assertThat(qualified.getCodingFirstRep().getSystem()).isEqualTo("http://example.org/cs");
        assertThat(qualified.getCodingFirstRep().getCode()).isEqualTo("X1");
    }

    @Test
    void theOutcomeReportCountsOnlyItsMeasuresDatedAsTheEngineDatesThem() {
        Observation tug = new Observation()
                .setCode(new CodeableConcept(new Coding(RehabCodes.LOINC, RehabCodes.LOINC_TUG, "TUG")));
        Observation other =
                new Observation().setCode(new CodeableConcept(new Coding(RehabCodes.LOINC, "8867-4", "HR")));
        assertThat(RehabOutcomesProvider.measureOf(tug)).contains(RehabCodes.LOINC + "|" + RehabCodes.LOINC_TUG);
        assertThat(RehabOutcomesProvider.measureOf(other)).isEmpty();

        tug.setEffective(new DateTimeType("2026-11-20T10:00:00Z"));
        assertThat(RehabOutcomesProvider.effective(tug)).isEqualTo(Date.from(Instant.parse("2026-11-20T10:00:00Z")));
        Observation issuedOnly = new Observation().setIssuedElement(new InstantType("2026-11-21T08:00:00Z"));
        assertThat(RehabOutcomesProvider.effective(issuedOnly))
                .isEqualTo(Date.from(Instant.parse("2026-11-21T08:00:00Z")));
        assertThat(RehabOutcomesProvider.effective(new Observation())).isNull();
    }
}
