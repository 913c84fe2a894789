package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.http.HttpResponse;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 3 (issue 10): every type a search reaches needs the search right {@code s}, whatever the syntax. The
 * auditor (Observation rs, CarePlan rs, no Patient, Condition or CareTeam rights) tries to recover a patient's name,
 * birth year and diagnosis through Observation and CarePlan searches: untyped chains, nested {@code _has}, chained
 * {@code _sort}, chains inside {@code _has}, bundle entries and conditional URLs. Each is 403 with an
 * OperationOutcome; the auditor's own searches and the EHR system's chains (it has Patient s) still work.
 */
class ChainedSearchRightsIT extends AbstractFhirServerIT {

    private static String patientId;
    private static String family;

    @Autowired
    private DaoRegistry daoRegistry;

    @BeforeEach
    void seed() {
        synchronized (ChainedSearchRightsIT.class) {
            if (patientId != null) {
                return;
            }
            StorageProbe store = new StorageProbe(daoRegistry);
            family = "Chain" + UUID.randomUUID().toString().replace("-", "").substring(0, 12);
            Patient patient = TestData.patient(TestData.uniqueMrn());
            patient.getNameFirstRep().setFamily(family);
            patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType("1951-04-02"));
            patientId = store.store(patient).getIdPart();
            store.store(TestData.timedUpAndGo("Patient/" + patientId, 14.0, "2025-03-01"));
            store.store(TestData.kneeOsteoarthritis("Patient/" + patientId));
            CarePlan plan = TestData.carePlan("Patient/" + patientId, CarePlan.CarePlanStatus.ACTIVE);
            String planId = store.store(plan).getIdPart();
            CareTeam team = new CareTeam();
            team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
            team.setSubject(new Reference("Patient/" + patientId));
            team.addParticipant().setMember(new Reference("Practitioner/alice"));
            String teamId = store.store(team).getIdPart();
            plan = (CarePlan) store.read(new org.hl7.fhir.r4.model.IdType("CarePlan", planId));
            plan.addCareTeam(new Reference("CareTeam/" + teamId));
            store.store(plan);
        }
    }

    static Stream<Named<String>> auditorProbes() {
        return Stream.of(
                Named.of(
                        "untyped chain patient.family",
                        "/fhir/Observation?subject=Patient/{P}&patient.family={F}&_summary=count"),
                Named.of(
                        "untyped chain patient.birthdate",
                        "/fhir/Observation?subject=Patient/{P}&patient.birthdate=1951&_summary=count"),
                Named.of("untyped chain subject.name", "/fhir/Observation?subject.name={F}"),
                Named.of("chain with a modifier on the last link", "/fhir/Observation?patient.family:exact={F}"),
                Named.of(
                        "_has nested in a chain",
                        "/fhir/Observation?patient._has:Condition:patient:code=http://snomed.info/sct|239873007&_summary=count"),
                Named.of(
                        "_has on a reachable type hiding a chain",
                        "/fhir/CarePlan?_has:Observation:subject:patient.family={F}"),
                Named.of("chain inside _has", "/fhir/Observation?_has:Observation:has-member:patient.family={F}"),
                Named.of(
                        "_has nested in _has",
                        "/fhir/Observation?_has:Observation:has-member:_has:Condition:evidence-detail:code=http://snomed.info/sct|239873007"),
                Named.of("chained _sort", "/fhir/Observation?subject=Patient/{P}&_sort=patient.family"),
                Named.of("typed chained _sort", "/fhir/Observation?subject=Patient/{P}&_sort=subject:Patient.family"),
                Named.of(
                        "typed chained _sort descending",
                        "/fhir/Observation?subject=Patient/{P}&_sort=-subject:Patient.birthdate"),
                Named.of("CarePlan chain to CareTeam", "/fhir/CarePlan?care-team.participant=Practitioner/alice"),
                Named.of(
                        "CarePlan chain to Condition",
                        "/fhir/CarePlan?condition.code=http://snomed.info/sct|239873007"),
                Named.of("two-link chain", "/fhir/CarePlan?care-team.subject.family={F}"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("auditorProbes")
    void auditorCannotSearchThroughTypesSheMayNotSearch(String template) {
        HttpResponse<String> response = asAuditor().get(url(template)).send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).doesNotContain("\"total\"");
    }

    @Test
    void chainsInBatchEntriesAreCheckedToo() {
        Bundle batch = new Bundle().setType(Bundle.BundleType.BATCH);
        batch.addEntry()
                .getRequest()
                .setMethod(Bundle.HTTPVerb.GET)
                .setUrl("Observation?patient.family=" + family + "&_summary=count");

        HttpResponse<String> response = asAuditor()
                .post("/fhir", RawHttp.FHIR_JSON, CLIENT_CONTEXT.newJsonParser().encodeResourceToString(batch))
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.body()).doesNotContain("\"total\"");
    }

    @Test
    void auditorStillSearchesWhatSheMay() {
        HttpResponse<String> observations = asAuditor()
                .get("/fhir/Observation?subject=Patient/" + patientId)
                .send();
        HttpResponse<String> plans = asAuditor()
                .get("/fhir/CarePlan?subject=Patient/" + patientId + "&_sort=-date")
                .send();
        HttpResponse<String> hasOnObservation = asAuditor()
                .get("/fhir/Observation?_has:Observation:has-member:status=final&_summary=count")
                .send();

        assertThat(observations.statusCode()).as(observations.body()).isEqualTo(200);
        assertThat(plans.statusCode()).as(plans.body()).isEqualTo(200);
        assertThat(hasOnObservation.statusCode()).as(hasOnObservation.body()).isEqualTo(200);
    }

    @Test
    void ehrSystemWithPatientSearchMayChain() {
        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.EHR.token())
                .get("/fhir/Observation?patient.family=" + family + "&_summary=count")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains("\"total\": 1");
    }

    private String url(String template) {
        return template.replace("{P}", patientId).replace("{F}", family);
    }

    private RawHttp asAuditor() {
        return RawHttp.to(root()).bearer(Caller.AUDITOR.token());
    }

    private String root() {
        return "http://localhost:" + port;
    }
}
