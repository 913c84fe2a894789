package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 4 (issue 10), CareTeam narrowing ON: a write is allowed only if <em>every</em> Patient-compartment owner of
 * the resource is one of the caller's patients. HAPI's compartment rule accepts a write when any one patient
 * reference is allowed, so alice could write a "fall" Observation about another team's patient B by adding
 * {@code performer: Patient/A} (her own patient). Create, update, patch and transaction entries are refused (403)
 * and store nothing; the same Observation about A alone is stored.
 */
class CompartmentWriteIT extends AbstractCareTeamNarrowingIT {

    private static IIdType patientA;
    private static IIdType patientB;
    private static IIdType observationA;

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void seed() {
        store = new StorageProbe(daoRegistry);
        synchronized (CompartmentWriteIT.class) {
            if (patientA != null) {
                return;
            }
            patientA = store.patientOfAlicesCareTeam();
            patientB = store.store(TestData.patient(TestData.uniqueMrn()));
            observationA = store.store(TestData.timedUpAndGo(patientA.getValue(), 12.0, "2025-03-01"));
        }
    }

    @Test
    void observationAboutAnotherTeamsPatientWithHerOwnPatientAsPerformerIsRefused() {
        String marker = UUID.randomUUID().toString();
        Observation fall = marked(TestData.painScore(patientB.getValue(), 9, "2025-03-08"), marker);
        fall.addPerformer(new Reference(patientA.getValue()));

        HttpResponse<String> response = asAlice()
                .post("/fhir/Observation", RawHttp.FHIR_JSON, json(fall))
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void updateThatAddsAnotherTeamsPatientIsRefused() {
        String before = store.version(observationA);
        Observation changed = (Observation) store.read(observationA);
        changed.addPerformer(new Reference(patientB.getValue()));

        HttpResponse<String> response = asAlice()
                .put("/fhir/Observation/" + observationA.getIdPart(), RawHttp.FHIR_JSON, json(changed))
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(store.version(observationA)).isEqualTo(before);
    }

    @Test
    void patchThatAddsAnotherTeamsPatientIsRefused() {
        String before = store.version(observationA);
        String patch = "[{\"op\":\"add\",\"path\":\"/performer\",\"value\":[{\"reference\":\"" + patientB.getValue()
                + "\"}]}]";

        HttpResponse<String> response = asAlice()
                .patch("/fhir/Observation/" + observationA.getIdPart(), "application/json-patch+json", patch)
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(store.version(observationA)).isEqualTo(before);
    }

    @Test
    void transactionEntryWithASecondPatientIsRefusedAndStoresNothing() {
        String marker = UUID.randomUUID().toString();
        Observation fall = marked(TestData.painScore(patientB.getValue(), 9, "2025-03-08"), marker);
        fall.addPerformer(new Reference(patientA.getValue()));
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(marked(TestData.painScore(patientA.getValue(), 3, "2025-03-08"), marker))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(fall)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");

        HttpResponse<String> response =
                asAlice().post("/fhir", RawHttp.FHIR_JSON, json(bundle)).send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void observationWhoseEveryPatientIsHersIsStored() {
        String marker = UUID.randomUUID().toString();
        Observation ok = marked(TestData.painScore(patientA.getValue(), 2, "2025-03-08"), marker);
        ok.addPerformer(new Reference(patientA.getValue()));
        ok.addPerformer(new Reference("Practitioner/alice"));

        HttpResponse<String> response =
                asAlice().post("/fhir/Observation", RawHttp.FHIR_JSON, json(ok)).send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(store.countMarked("Observation", marker)).isEqualTo(1);
    }

    private static Observation marked(Observation observation, String marker) {
        observation.addIdentifier(
                new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker));
        return observation;
    }

    private static String json(Resource resource) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(resource);
    }

    private RawHttp asAlice() {
        return RawHttp.to("http://localhost:" + port).bearer(Caller.PHYSIO.token());
    }
}
