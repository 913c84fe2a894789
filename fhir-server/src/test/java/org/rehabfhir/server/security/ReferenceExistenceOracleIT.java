package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 14 (issue 10), CareTeam narrowing ON as in production: a physiotherapist, who may not read Practitioner,
 * must not learn whether a Practitioner id exists by writing a reference to it. Before, an Observation with
 * {@code performer: Practitioner/<existing>} was stored (201) and one with a missing id was refused with "Resource
 * Practitioner/x not found" (400). Now both get the same 403 and the same OperationOutcome text, in a plain
 * create, a patch and a transaction entry, and nothing is stored; her own Practitioner and readable types keep
 * today's answers.
 */
class ReferenceExistenceOracleIT extends AbstractCareTeamNarrowingIT {

    private static IIdType patient;
    private static IIdType observation;
    private static String existingPractitioner;

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void seed() {
        store = new StorageProbe(daoRegistry);
        synchronized (ReferenceExistenceOracleIT.class) {
            if (patient != null) {
                return;
            }
            patient = store.patientOfAlicesCareTeam();
            Practitioner other = new Practitioner();
            other.setId("Practitioner/oracle-" + UUID.randomUUID());
            other.addName().setFamily("Other");
            existingPractitioner = store.store(other).toUnqualifiedVersionless().getValue();
            observation = store.store(TestData.painScore(patient.getValue(), 2, "2025-03-01"));
        }
    }

    @Test
    void aCreateReferringToAnExistingOrAMissingPractitionerGetsTheSameAnswer() {
        String marker = UUID.randomUUID().toString();

        HttpResponse<String> existing = create(observationBy(existingPractitioner, marker));
        HttpResponse<String> missing = create(observationBy(missingPractitioner(), marker));

        assertSameRefusal(existing, missing);
        assertThat(diagnostics(existing))
                .isEqualTo("Access denied: Observation.performer refers to a Practitioner; you"
                        + " may not read Practitioner resources, so you may not refer to them (only to yourself,"
                        + " Practitioner/alice)");
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void aTransactionReferringToAnExistingOrAMissingPractitionerGetsTheSameAnswer() {
        String marker = UUID.randomUUID().toString();

        HttpResponse<String> existing = transaction(observationBy(existingPractitioner, marker), marker);
        HttpResponse<String> missing = transaction(observationBy(missingPractitioner(), marker), marker);

        assertSameRefusal(existing, missing);
        assertThat(store.countMarked("Observation", marker)).as("rolled back").isZero();
    }

    @Test
    void aPatchAddingAnExistingOrAMissingPractitionerGetsTheSameAnswer() {
        String before = store.version(observation);

        HttpResponse<String> existing = patchPerformer(existingPractitioner);
        HttpResponse<String> missing = patchPerformer(missingPractitioner());

        assertSameRefusal(existing, missing);
        assertThat(store.version(observation)).isEqualTo(before);
    }

    @Test
    void aConditionalReferenceToAnUnsearchableTypeIsRefusedToo() {
        String marker = UUID.randomUUID().toString();

        HttpResponse<String> response = create(observationBy("Practitioner?family=Other", marker));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(response);
    }

    @Test
    void herOwnPractitionerIsStillAllowed() {
        String marker = UUID.randomUUID().toString();

        HttpResponse<String> response = create(observationBy("Practitioner/alice", marker));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(store.countMarked("Observation", marker)).isEqualTo(1);
    }

    @Test
    void aMissingTargetOfAReadableTypeKeepsTodaysAnswer() {
        String marker = UUID.randomUUID().toString();
        Observation withCondition = marked(TestData.painScore(patient.getValue(), 3, "2025-03-09"), marker);
        withCondition.addFocus(new Reference("Condition/missing-" + UUID.randomUUID()));

        HttpResponse<String> response = create(withCondition);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        assertThat(diagnostics(response)).contains("not found");
    }

    private static void assertSameRefusal(HttpResponse<String> existing, HttpResponse<String> missing) {
        assertThat(existing.statusCode()).as(existing.body()).isEqualTo(403);
        assertThat(missing.statusCode()).as(missing.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(existing);
        assertThat(diagnostics(missing)).isEqualTo(diagnostics(existing));
    }

    private static String diagnostics(HttpResponse<String> response) {
        OperationOutcome outcome =
                CLIENT_CONTEXT.newJsonParser().parseResource(OperationOutcome.class, response.body());
        return outcome.getIssueFirstRep().getDiagnostics();
    }

    private static String missingPractitioner() {
        return "Practitioner/missing-" + UUID.randomUUID();
    }

    private static Observation observationBy(String performer, String marker) {
        Observation o = marked(TestData.painScore(patient.getValue(), 4, "2025-03-08"), marker);
        o.addPerformer(new Reference(performer));
        return o;
    }

    private HttpResponse<String> create(Observation o) {
        return asAlice().post("/fhir/Observation", RawHttp.FHIR_JSON, json(o)).send();
    }

    /** A transaction whose first entry is fine and whose second refers to {@code refersTo}'s performer. */
    private HttpResponse<String> transaction(Observation refersTo, String marker) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(marked(TestData.painScore(patient.getValue(), 3, "2025-03-08"), marker))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(refersTo)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        return asAlice().post("/fhir", RawHttp.FHIR_JSON, json(bundle)).send();
    }

    private HttpResponse<String> patchPerformer(String performer) {
        String patch = "[{\"op\":\"add\",\"path\":\"/performer\",\"value\":[{\"reference\":\"" + performer + "\"}]}]";
        return asAlice()
                .patch("/fhir/Observation/" + observation.getIdPart(), "application/json-patch+json", patch)
                .send();
    }

    private static Observation marked(Observation o, String marker) {
        o.addIdentifier(new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker));
        return o;
    }

    private static String json(Resource resource) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(resource);
    }

    private RawHttp asAlice() {
        return RawHttp.to("http://localhost:" + port).bearer(Caller.PHYSIO.token());
    }
}
