package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Findings 9 and 10 (issue 10). 9: authorization (type, interaction, compartment) is decided before the body is
 * validated, so a caller without the create right gets 403 for a large invalid body, not the validator's 422 after
 * seconds of CPU. 10: the result of a PATCH is validated like a created resource (422, nothing stored).
 */
class ValidationAfterAuthorizationIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(ValidationAfterAuthorizationIT.class);

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void probe() {
        store = new StorageProbe(daoRegistry);
    }

    @Test
    void auditorPostingALargeInvalidObservationGets403NotAValidationResult() {
        String marker = UUID.randomUUID().toString();

        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.AUDITOR.token())
                .post("/fhir/Observation", RawHttp.FHIR_JSON, largeInvalidObservation(marker))
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void authorizedCallerStillGets422ForTheSameBody() {
        String marker = UUID.randomUUID().toString();

        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.EHR.token())
                .post("/fhir/Observation", RawHttp.FHIR_JSON, largeInvalidObservation(marker))
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    /** Bounded check (3 requests, loopback): each refused with 403; the time each took is logged, not asserted. */
    @Test
    void repeatedLargeBodiesFromACallerWithoutTheRightAreRefused() {
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            HttpResponse<String> response = RawHttp.to(root())
                    .bearer(Caller.AUDITOR.token())
                    .post(
                            "/fhir/Observation",
                            RawHttp.FHIR_JSON,
                            largeInvalidObservation(UUID.randomUUID().toString()))
                    .send();
            log.info(
                    "2 MB Observation by the auditor: {} in {} ms",
                    response.statusCode(),
                    (System.nanoTime() - started) / 1_000_000);
            assertThat(response.statusCode()).isEqualTo(403);
        }
    }

    @Test
    void patchThatRemovesARequiredElementIs422AndStoresNothing() {
        IIdType id = store.store(TestData.timedUpAndGo(
                store.store(TestData.patient(TestData.uniqueMrn())).getValue(), 12.0, "2025-03-01"));
        String before = store.version(id);

        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.PHYSIO.token())
                .patch(
                        "/fhir/Observation/" + id.getIdPart(),
                        "application/json-patch+json",
                        "[{\"op\":\"remove\",\"path\":\"/code\"}]")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.version(id)).isEqualTo(before);
        assertThat(((Observation) store.read(id)).hasCode()).isTrue();
    }

    @Test
    void patchInATransactionIsValidatedToo() {
        IIdType id = store.store(TestData.timedUpAndGo(
                store.store(TestData.patient(TestData.uniqueMrn())).getValue(), 12.0, "2025-03-01"));
        String before = store.version(id);
        String bundle = "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"resource\":{"
                + "\"resourceType\":\"Binary\",\"contentType\":\"application/json-patch+json\",\"data\":\""
                + java.util.Base64.getEncoder().encodeToString("[{\"op\":\"remove\",\"path\":\"/code\"}]".getBytes())
                + "\"},\"request\":{\"method\":\"PATCH\",\"url\":\"Observation/" + id.getIdPart() + "\"}}]}";

        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.PHYSIO.token())
                .post("/fhir", RawHttp.FHIR_JSON, bundle)
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(422);
        assertThat(store.version(id)).isEqualTo(before);
    }

    @Test
    void validPatchIsStored() {
        IIdType id = store.store(TestData.timedUpAndGo(
                store.store(TestData.patient(TestData.uniqueMrn())).getValue(), 12.0, "2025-03-01"));

        HttpResponse<String> response = RawHttp.to(root())
                .bearer(Caller.PHYSIO.token())
                .patch(
                        "/fhir/Observation/" + id.getIdPart(),
                        "application/json-patch+json",
                        "[{\"op\":\"replace\",\"path\":\"/status\",\"value\":\"amended\"}]")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(((Observation) store.read(id)).getStatus()).isEqualTo(Observation.ObservationStatus.AMENDED);
    }

    /** About 2 MB: many notes, and no code (Observation.code is required: the validator's error). */
    private static String largeInvalidObservation(String marker) {
        Observation observation = new Observation();
        observation.setStatus(Observation.ObservationStatus.FINAL);
        observation.addIdentifier(
                new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker));
        observation.getSubject().setReference("Patient/demo-knee-oa");
        String text = "x".repeat(1000);
        for (int i = 0; i < 2000; i++) {
            observation.addNote().setText(text + i);
        }
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(observation);
    }

    private String root() {
        return "http://localhost:" + port;
    }
}
