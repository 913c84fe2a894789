package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import java.time.Instant;
import java.util.List;
import org.hl7.fhir.r4.model.AuditEvent;
import org.junit.jupiter.api.Test;

/** The hash chain and the BALP mapping, without a server. */
class AuditHashTest {

    private static AuditRow row(long seq, String prev, String json) {
        return new AuditRow(
                seq,
                Instant.parse("2026-05-04T10:00:00.123Z"),
                "read",
                "R",
                "0",
                200,
                "sub-1",
                "alice",
                "rehab-clinician-app",
                "jti-1",
                "Practitioner/alice",
                "127.0.0.1",
                null,
                List.of("Patient/1"),
                List.of("Patient/1"),
                "GET",
                "Patient/1",
                null,
                json,
                prev,
                null);
    }

    @Test
    void hashCoversThePredecessorAndEveryColumn() {
        AuditRow first = row(1, AuditHash.GENESIS, "{}");
        String hash = AuditHash.hash(first);
        assertThat(hash).hasSize(64).isEqualTo(AuditHash.hash(row(1, AuditHash.GENESIS, "{}")));
        assertThat(AuditHash.hash(row(1, "1".repeat(64), "{}"))).isNotEqualTo(hash);
        assertThat(AuditHash.hash(row(2, AuditHash.GENESIS, "{}"))).isNotEqualTo(hash);
        assertThat(AuditHash.hash(row(1, AuditHash.GENESIS, "{ }"))).isNotEqualTo(hash);
        AuditRow otherPatient = new AuditRow(
                1,
                first.recorded(),
                "read",
                "R",
                "0",
                200,
                "sub-1",
                "alice",
                "rehab-clinician-app",
                "jti-1",
                "Practitioner/alice",
                "127.0.0.1",
                null,
                List.of("Patient/2"),
                List.of("Patient/1"),
                "GET",
                "Patient/1",
                null,
                "{}",
                AuditHash.GENESIS,
                null);
        assertThat(AuditHash.hash(otherPatient)).isNotEqualTo(hash);
    }

    @Test
    void canonicalFormCannotBeShiftedBetweenFields() {
        AuditRow a = new AuditRow(
                1,
                Instant.EPOCH,
                "read",
                "R",
                "0",
                200,
                "ab",
                "c",
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                "GET",
                "x",
                null,
                "{}",
                AuditHash.GENESIS,
                null);
        AuditRow b = new AuditRow(
                1,
                Instant.EPOCH,
                "read",
                "R",
                "0",
                200,
                "a",
                "bc",
                null,
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                "GET",
                "x",
                null,
                "{}",
                AuditHash.GENESIS,
                null);
        AuditRow nullVsEmpty = new AuditRow(
                1,
                Instant.EPOCH,
                "read",
                "R",
                "0",
                200,
                "ab",
                "c",
                "",
                null,
                null,
                null,
                null,
                List.of(),
                List.of(),
                "GET",
                "x",
                null,
                "{}",
                AuditHash.GENESIS,
                null);
        assertThat(AuditHash.hash(a)).isNotEqualTo(AuditHash.hash(b)).isNotEqualTo(AuditHash.hash(nullVsEmpty));
    }

    @Test
    void purposeOfUseHeaderIsNormalisedAndMalformedValuesAreDropped() {
        assertThat(AuditEntryFactory.purposeOfUse(List.of("TREAT, http://example.org/cs|X1", "bad value!", "<script>")))
                .containsExactly(
                        "http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT", "http://example.org/cs|X1");
        assertThat(AuditEntryFactory.purposeOfUse(null)).isEmpty();
    }

    @Test
    void balpEventCarriesTypeSubtypeAgentsAndPatient() {
        AuditEntry entry = new AuditEntry(
                Instant.parse("2026-05-04T10:00:00Z"),
                "search-type",
                200,
                null,
                new AuditAgent(
                        "sub-1",
                        "alice",
                        "rehab-clinician-app",
                        "jti-1",
                        "Practitioner/alice",
                        "http://kc/realms/rehab",
                        false),
                "10.0.0.1",
                List.of("http://terminology.hl7.org/CodeSystem/v3-ActReason|TREAT"),
                List.of("Patient/7"),
                List.of("Observation/9"),
                "GET",
                "Observation",
                "subject=Patient/7",
                null);
        AuditEvent event = BalpAuditEventBuilder.build(entry, 42);
        String json = FhirContext.forR4Cached().newJsonParser().encodeResourceToString(event);
        // the store encodes the event before the chain's lock, without its seq, and numbers the JSON under the lock
        String unnumbered = FhirContext.forR4Cached()
                .newJsonParser()
                .encodeResourceToString(BalpAuditEventBuilder.build(entry, AuditStore.UNNUMBERED));
        assertThat(AuditStore.numbered(unnumbered, 42)).isEqualTo(json);
        assertThat(event.getIdElement().getIdPart()).isEqualTo("42");
        assertThat(event.getAction()).isEqualTo(AuditEvent.AuditEventAction.R);
        assertThat(event.getSubtypeFirstRep().getCode()).isEqualTo("search-type");
        assertThat(event.getAgent()).hasSize(3);
        assertThat(event.getAgentFirstRep().getWho().getReference()).isEqualTo("Practitioner/alice");
        assertThat(event.getAgentFirstRep().getPolicy().get(0).getValue()).isEqualTo("jti-1");
        assertThat(event.getAgent().get(1).getNetwork().getAddress()).isEqualTo("10.0.0.1");
        assertThat(event.getEntity()).extracting(e -> e.getRole().getCode()).containsExactly("1", "4", "24");
        assertThat(json).contains("\"purposeOfEvent\"");
        assertThat(new AuditEntry(
                                Instant.EPOCH,
                                "create",
                                503,
                                null,
                                null,
                                null,
                                null,
                                null,
                                null,
                                "POST",
                                "x",
                                null,
                                null)
                        .outcome())
                .isEqualTo("8");
    }
}
