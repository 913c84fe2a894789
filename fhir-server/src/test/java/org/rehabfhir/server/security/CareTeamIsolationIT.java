package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Layer 3 over HTTP, CareTeam narrowing ON: physiotherapist alice ({@code fhirUser = Practitioner/alice}) is in an
 * active CareTeam for patient A and in none for patient B. Every way of reaching B or B's data is tried; each must
 * be refused (403/404) or answer without any of B's resources, and writes about B must store nothing. A stays
 * reachable.
 */
class CareTeamIsolationIT extends AbstractCareTeamNarrowingIT {

    /** Seeded once per JVM (as the server, not through the API). */
    static final class World {
        IIdType patientA;
        IIdType patientB;
        String mrnB;
        IIdType observationA;
        IIdType observationB;
        String observationBMarker;
        /** subject A, but hasMember -> B's Observation and focus -> Patient B: the bait for _include. */
        IIdType bridgeA;
        /** subject B, focus -> Patient A: the bait for _revinclude. */
        IIdType observationBAboutA;

        IIdType carePlanB;
        IIdType carePlanA;
        IIdType conditionB;

        /** Everything of B: none of these may ever come back to alice. */
        Set<String> ofB() {
            return Set.of(
                    patientB.getValue(),
                    observationB.getValue(),
                    observationBAboutA.getValue(),
                    carePlanB.getValue(),
                    conditionB.getValue());
        }
    }

    private static World world;

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void seed() {
        store = new StorageProbe(daoRegistry);
        synchronized (CareTeamIsolationIT.class) {
            if (world == null) {
                world = seedWorld(store);
            }
        }
    }

    private static World seedWorld(StorageProbe store) {
        World w = new World();
        Practitioner alice = new Practitioner();
        alice.setId("Practitioner/alice"); // = alice's fhirUser claim in auth/realm/rehab-realm.json
        alice.addName().setFamily("Alice").addGiven("Physio");
        store.store(alice);

        w.patientA = store.store(TestData.patient(TestData.uniqueMrn()));
        w.mrnB = TestData.uniqueMrn();
        w.patientB = store.store(TestData.patient(w.mrnB));

        CareTeam team = new CareTeam();
        team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        team.setSubject(new Reference(w.patientA.getValue()));
        team.addParticipant().setMember(new Reference("Practitioner/alice"));
        store.store(team);

        w.observationA = store.store(TestData.timedUpAndGo(w.patientA.getValue(), 13.0, "2025-03-01"));
        w.observationBMarker = UUID.randomUUID().toString();
        Observation ofB = TestData.timedUpAndGo(w.patientB.getValue(), 18.0, "2025-03-01");
        ofB.addIdentifier(new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(w.observationBMarker));
        w.observationB = store.store(ofB);
        Observation bridge = TestData.painScore(w.patientA.getValue(), 2, "2025-03-02");
        bridge.addHasMember(new Reference(w.observationB.getValue()));
        bridge.addFocus(new Reference(w.patientB.getValue()));
        w.bridgeA = store.store(bridge);
        Observation aboutA = TestData.painScore(w.patientB.getValue(), 6, "2025-03-02");
        aboutA.addFocus(new Reference(w.patientA.getValue()));
        w.observationBAboutA = store.store(aboutA);
        w.carePlanA = store.store(TestData.carePlan(w.patientA.getValue(), CarePlan.CarePlanStatus.ACTIVE));
        w.carePlanB = store.store(TestData.carePlan(w.patientB.getValue(), CarePlan.CarePlanStatus.ACTIVE));
        w.conditionB = store.store(TestData.kneeOsteoarthritis(w.patientB.getValue()));
        return w;
    }

    // ------------------------------------------------------------------------------------------ GETs towards B

    static Stream<Named<String>> readVectors() {
        return Stream.of(
                Named.of("read Patient/B", "/fhir/Patient/{B}"),
                Named.of("read B's Observation", "/fhir/Observation/{oB}"),
                Named.of("read B's CarePlan", "/fhir/CarePlan/{cpB}"),
                Named.of("read B's Condition", "/fhir/Condition/{condB}"),
                Named.of("vread Patient/B/_history/1", "/fhir/Patient/{B}/_history/1"),
                Named.of("_history of Patient/B", "/fhir/Patient/{B}/_history"),
                Named.of("_history of B's Observation", "/fhir/Observation/{oB}/_history"),
                Named.of("_history of the Patient type", "/fhir/Patient/_history"),
                Named.of("_history of the Observation type", "/fhir/Observation/_history"),
                Named.of("search Patient?_id=B", "/fhir/Patient?_id={B}"),
                Named.of("search Observation?subject=Patient/B", "/fhir/Observation?subject=Patient/{B}"),
                Named.of("search Observation?patient=B", "/fhir/Observation?patient={B}"),
                Named.of("search all Observations", "/fhir/Observation?_count=200"),
                Named.of("search all Patients", "/fhir/Patient?_count=200"),
                Named.of("search Condition?subject=Patient/B", "/fhir/Condition?subject=Patient/{B}"),
                Named.of(
                        "_include of B's Observation via hasMember",
                        "/fhir/Observation?_id={bridgeA}&_include=Observation:has-member"),
                Named.of(
                        "_include of Patient B via focus",
                        "/fhir/Observation?_id={bridgeA}&_include=Observation:focus"),
                Named.of(
                        "_include:iterate to B",
                        "/fhir/Observation?_id={bridgeA}&_include:iterate=Observation:has-member"
                                + "&_include:iterate=Observation:subject"),
                Named.of(
                        "_revinclude of B's Observation via focus",
                        "/fhir/Patient?_id={A}&_revinclude=Observation:focus"),
                Named.of("_revinclude from Patient B", "/fhir/Patient?_id={B}&_revinclude=Observation:subject"),
                Named.of("_has to find B", "/fhir/Patient?_has:Observation:subject:code=http://loinc.org|89423-8"),
                Named.of("_has with B's marker", "/fhir/Patient?_has:Observation:subject:identifier={markerB}"),
                Named.of("chain subject.identifier = B's MRN", "/fhir/Observation?subject.identifier={mrnB}"),
                Named.of(
                        "typed chain subject:Patient.identifier",
                        "/fhir/Observation?subject:Patient.identifier={mrnB}"),
                Named.of("chain through focus to B", "/fhir/Observation?focus:Patient.identifier={mrnB}"),
                Named.of("$everything of Patient B", "/fhir/Patient/{B}/$everything"),
                Named.of("$everything at type level", "/fhir/Patient/$everything"),
                Named.of("system search", "/fhir?_type=Observation"),
                Named.of("system _history", "/fhir/_history"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("readVectors")
    void aliceCannotReachPatientB(String template) {
        HttpResponse<String> response = asAlice().get(url(template)).send();

        assertNothingOfB(response);
    }

    // ------------------------------------------------------------------------------------------ writes about B

    @Test
    void creatingAnObservationForBIsRefusedAndStoresNothing() {
        String marker = UUID.randomUUID().toString();
        Observation forB = marked(TestData.timedUpAndGo(world.patientB.getValue(), 14.0, "2025-03-04"), marker);

        HttpResponse<String> response = asAlice()
                .post("/fhir/Observation", RawHttp.FHIR_JSON, json(forB))
                .send();

        assertThat(response.statusCode()).isEqualTo(403);
        assertNothingOfB(response);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void updatingBsObservationIsRefused() {
        String before = store.version(world.observationB);
        Observation changed = (Observation) store.read(world.observationB);
        changed.addNote().setText("tampered");

        HttpResponse<String> response = asAlice()
                .put("/fhir/Observation/" + world.observationB.getIdPart(), RawHttp.FHIR_JSON, json(changed))
                .send();

        assertThat(response.statusCode()).isIn(403, 404);
        assertNothingOfB(response);
        assertThat(store.version(world.observationB)).isEqualTo(before);
    }

    @Test
    void movingAnObservationOfAToBIsRefused() {
        Observation moved = (Observation) store.read(world.observationA);
        String before = store.version(world.observationA);
        moved.setSubject(new Reference(world.patientB.getValue()));

        HttpResponse<String> response = asAlice()
                .put("/fhir/Observation/" + world.observationA.getIdPart(), RawHttp.FHIR_JSON, json(moved))
                .send();

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(store.version(world.observationA)).isEqualTo(before);
    }

    @Test
    void conditionalCreateDoesNotRevealBsObservation() {
        // If the condition matched B's Observation, HAPI would answer 200 with it instead of creating.
        String marker = UUID.randomUUID().toString();
        Observation forA = marked(TestData.timedUpAndGo(world.patientA.getValue(), 11.0, "2025-03-05"), marker);

        HttpResponse<String> response = asAlice()
                .post("/fhir/Observation", RawHttp.FHIR_JSON, json(forA))
                .header("If-None-Exist", "identifier=" + StorageProbe.MARKER_SYSTEM + "|" + world.observationBMarker)
                .send();

        assertNothingOfB(response);
        // 201 (a new Observation: the narrowed condition matched nothing) or 400 (HAPI: the new resource does not
        // satisfy the narrowed condition) or 403; never 200 with B's Observation
        assertThat(response.statusCode()).isIn(201, 400, 403);
        assertThat(response.headers().firstValue("Location").orElse("")).doesNotContain(world.observationB.getIdPart());
    }

    @Test
    void conditionalCreateForBIsRefusedAndStoresNothing() {
        String marker = UUID.randomUUID().toString();
        Observation forB = marked(TestData.timedUpAndGo(world.patientB.getValue(), 15.0, "2025-03-05"), marker);

        HttpResponse<String> response = asAlice()
                .post("/fhir/Observation", RawHttp.FHIR_JSON, json(forB))
                .header("If-None-Exist", "identifier=" + StorageProbe.MARKER_SYSTEM + "|" + marker)
                .send();

        assertThat(response.statusCode()).isEqualTo(403);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void transactionReadingBIsRefused() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(world.patientB.getValue());
        bundle.addEntry()
                .getRequest()
                .setMethod(Bundle.HTTPVerb.GET)
                .setUrl("Observation?subject=" + world.patientB.getValue());

        HttpResponse<String> response =
                asAlice().post("/fhir", RawHttp.FHIR_JSON, json(bundle)).send();

        assertNothingOfB(response);
    }

    @Test
    void batchReadingBLeaksNothing() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.BATCH);
        bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(world.patientB.getValue());
        bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(world.observationB.getValue());
        bundle.addEntry()
                .getRequest()
                .setMethod(Bundle.HTTPVerb.GET)
                .setUrl("Observation?_id=" + world.bridgeA.getIdPart() + "&_include=Observation:has-member");

        HttpResponse<String> response =
                asAlice().post("/fhir", RawHttp.FHIR_JSON, json(bundle)).send();

        assertNothingOfB(response);
    }

    @Test
    void transactionWritingForBIsRefusedAndStoresNothing() {
        String marker = UUID.randomUUID().toString();
        String before = store.version(world.observationB);
        Observation changedB = (Observation) store.read(world.observationB);
        changedB.addNote().setText("tampered in a transaction");
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(marked(TestData.timedUpAndGo(world.patientA.getValue(), 12.0, "2025-03-06"), marker))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        bundle.addEntry()
                .setFullUrl("urn:uuid:" + UUID.randomUUID())
                .setResource(marked(TestData.timedUpAndGo(world.patientB.getValue(), 17.0, "2025-03-06"), marker))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Observation");
        bundle.addEntry()
                .setFullUrl(baseUrl() + "/" + world.observationB.getValue())
                .setResource(changedB)
                .getRequest()
                .setMethod(Bundle.HTTPVerb.PUT)
                .setUrl(world.observationB.getValue());

        HttpResponse<String> response =
                asAlice().post("/fhir", RawHttp.FHIR_JSON, json(bundle)).send();

        assertThat(response.statusCode()).isEqualTo(403);
        assertNothingOfB(response);
        assertThat(store.countMarked("Observation", marker))
                .as("transaction is all or nothing")
                .isZero();
        assertThat(store.version(world.observationB)).isEqualTo(before);
    }

    @Test
    void instanceOperationOnBIsRefused() {
        // $recommend-regimens is the protocol engine's (it may not be deployed yet): on B it must never run.
        for (String op : List.of("$recommend-regimens", "$evaluate-progress", "$everything")) {
            HttpResponse<String> response = asAlice()
                    .post(
                            "/fhir/Patient/" + world.patientB.getIdPart() + "/" + op,
                            RawHttp.FHIR_JSON,
                            "{\"resourceType\":\"Parameters\"}")
                    .send();
            assertThat(response.statusCode()).as(op + ": " + response.body()).isBetween(400, 499);
            assertNothingOfB(response);
        }
    }

    @Test
    void applyingAPlanDefinitionToBIsRefused() {
        // $apply reads the subject's record as the server: the subject parameter itself must be checked
        for (String subject : List.of("Patient/" + world.patientB.getIdPart(), world.patientB.getIdPart())) {
            HttpResponse<String> query = asAlice()
                    .get("/fhir/PlanDefinition/" + planDefinitionId() + "/$apply?subject=" + subject)
                    .send();
            assertThat(query.statusCode()).as(query.body()).isEqualTo(403);
            assertNothingOfB(query);
        }
        String body = "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"subject\",\"valueString\":\"Patient/"
                + world.patientB.getIdPart() + "\"}]}";
        HttpResponse<String> post = asAlice()
                .post("/fhir/PlanDefinition/" + planDefinitionId() + "/$apply", RawHttp.FHIR_JSON, body)
                .send();
        assertThat(post.statusCode()).as(post.body()).isEqualTo(403);
        assertNothingOfB(post);
    }

    @Test
    void evaluatingBsCarePlanIsRefused() {
        HttpResponse<String> response = asAlice()
                .get("/fhir/CarePlan/" + world.carePlanB.getIdPart() + "/$evaluate-progress")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.body()).doesNotContain("decision");
    }

    @Test
    void recommendingForBIsRefused() {
        HttpResponse<String> response = asAlice()
                .get("/fhir/Patient/" + world.patientB.getIdPart() + "/$recommend-regimens")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertNothingOfB(response);
    }

    @Test
    void aliceRunsTheEngineForHerPatient() {
        HttpResponse<String> recommend = asAlice()
                .get("/fhir/Patient/" + world.patientA.getIdPart() + "/$recommend-regimens")
                .send();
        HttpResponse<String> progress = asAlice()
                .get("/fhir/CarePlan/" + world.carePlanA.getIdPart() + "/$evaluate-progress")
                .send();

        // allowed through security (what the engine answers for these thin test records is its business)
        assertThat(recommend.statusCode())
                .as(recommend.body())
                .isNotIn(401, 403)
                .isLessThan(500);
        assertThat(progress.statusCode()).as(progress.body()).isNotIn(401, 403).isLessThan(500);
    }

    private String planDefinitionId() {
        Bundle found = CLIENT_CONTEXT
                .newJsonParser()
                .parseResource(
                        Bundle.class,
                        asAlice()
                                .get("/fhir/PlanDefinition?_count=1&_elements=id")
                                .send()
                                .body());
        return found.getEntry().isEmpty()
                ? "no-such-plan"
                : found.getEntryFirstRep().getResource().getIdPart();
    }

    // ------------------------------------------------------------------------------------------ A stays reachable

    @Test
    void aCareTeamEndedOrStartedThroughTheServerTakesEffectOnTheNextRequest() {
        IIdType patient = store.patientOfAlicesCareTeam();
        String read = "/fhir/Patient/" + patient.getIdPart();
        assertThat(asAlice().get(read).send().statusCode()).isEqualTo(200);
        // the second read is answered from her patients kept between requests (rehab.security.care-team-cache-ttl)
        assertThat(asAlice().get(read).send().statusCode()).isEqualTo(200);

        CareTeam team = teamOf(patient);
        team.setStatus(CareTeam.CareTeamStatus.INACTIVE);
        store.store(team);
        assertThat(asAlice().get(read).send().statusCode()).isIn(403, 404);

        team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        store.store(team);
        assertThat(asAlice().get(read).send().statusCode()).isEqualTo(200);
    }

    private CareTeam teamOf(IIdType patient) {
        List<CareTeam> teams = daoRegistry
                .getResourceDao(CareTeam.class)
                .searchForResources(
                        SearchParameterMap.newSynchronous()
                                .add(CareTeam.SP_SUBJECT, new ReferenceParam(patient.getValue())),
                        new SystemRequestDetails());
        assertThat(teams).hasSize(1);
        return teams.get(0);
    }

    @Test
    void aliceReadsHerPatient() {
        HttpResponse<String> response =
                asAlice().get("/fhir/Patient/" + world.patientA.getIdPart()).send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(idsIn(response)).contains(world.patientA.getValue());
    }

    @Test
    void aliceSearchesHerPatientsObservationsOnly() {
        // asks for the observations of both teams by id (the shared test database holds many more of alice's)
        String ids = String.join(
                ",",
                world.observationA.getIdPart(),
                world.bridgeA.getIdPart(),
                world.observationB.getIdPart(),
                world.observationBAboutA.getIdPart());
        HttpResponse<String> response =
                asAlice().get("/fhir/Observation?_id=" + ids + "&_count=200").send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(idsIn(response))
                .contains(world.observationA.getValue(), world.bridgeA.getValue())
                .doesNotContainAnyElementsOf(world.ofB());
    }

    @Test
    void aliceIncludesHerPatient() {
        HttpResponse<String> response = asAlice()
                .get("/fhir/Observation?_id=" + world.observationA.getIdPart() + "&_include=Observation:subject")
                .send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(idsIn(response)).contains(world.observationA.getValue(), world.patientA.getValue());
    }

    @Test
    void aliceReadsHerPatientsHistory() {
        HttpResponse<String> response = asAlice()
                .get("/fhir/Patient/" + world.patientA.getIdPart() + "/_history")
                .send();

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains(world.patientA.getIdPart());
    }

    @Test
    void aliceRecordsAnObservationForHerPatient() {
        String marker = UUID.randomUUID().toString();
        Observation forA = marked(TestData.timedUpAndGo(world.patientA.getValue(), 13.0, "2025-03-07"), marker);

        HttpResponse<String> response = asAlice()
                .post("/fhir/Observation", RawHttp.FHIR_JSON, json(forA))
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(store.countMarked("Observation", marker)).isEqualTo(1);
    }

    @Test
    void aliceReadsHerPatientInATransaction() {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry().getRequest().setMethod(Bundle.HTTPVerb.GET).setUrl(world.patientA.getValue());

        HttpResponse<String> response =
                asAlice().post("/fhir", RawHttp.FHIR_JSON, json(bundle)).send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(response.body()).contains(world.patientA.getIdPart());
    }

    @Test
    void narrowingDoesNotApplyToAuditorsOrEhrSystems() {
        HttpResponse<String> ehr = RawHttp.to(root())
                .get("/fhir/Patient/" + world.patientB.getIdPart())
                .bearer(Caller.EHR.token())
                .send();
        HttpResponse<String> auditor = RawHttp.to(root())
                .get("/fhir/Observation/" + world.observationB.getIdPart())
                .bearer(Caller.AUDITOR.token())
                .send();

        assertThat(ehr.statusCode()).isEqualTo(200);
        assertThat(auditor.statusCode()).isEqualTo(200);
    }

    @Test
    void anotherPhysiotherapistWithoutCareTeamSeesNoPatientData() {
        HttpResponse<String> response = RawHttp.to(root())
                .get("/fhir/Patient/" + world.patientA.getIdPart())
                .bearer(org.rehabfhir.server.support.Tokens.user("bob"))
                .send();
        HttpResponse<String> search = RawHttp.to(root())
                .get("/fhir/Observation?_count=200")
                .bearer(org.rehabfhir.server.support.Tokens.user("bob"))
                .send();

        assertThat(response.statusCode()).isIn(403, 404);
        assertThat(search.statusCode()).isIn(200, 403);
        assertThat(idsIn(search))
                .doesNotContain(world.observationA.getValue())
                .doesNotContainAnyElementsOf(world.ofB());
    }

    // ------------------------------------------------------------------------------------------ helpers

    /**
     * Either refused (4xx, no id of B in the body), or answered without any of B's resources (ids of the resources
     * in the response, entries of Bundles included; references inside A's resources may name B, but never B's data).
     */
    private void assertNothingOfB(HttpResponse<String> response) {
        RawHttp.assertNoServerInternals(response.body());
        if (response.statusCode() >= 400) {
            assertThat(response.statusCode()).as(response.body()).isIn(400, 403, 404, 405, 410, 412, 422);
            RawHttp.assertCleanOperationOutcome(response);
            for (IIdType id : List.of(world.patientB, world.observationB, world.carePlanB, world.conditionB)) {
                assertThat(response.body()).doesNotContain(id.getValue() + "/_history");
            }
            return;
        }
        assertThat(idsIn(response)).as("resources returned").doesNotContainAnyElementsOf(world.ofB());
    }

    /** Type/id of the resources in a response: the resource itself, or the entries of a Bundle (nested too). */
    private List<String> idsIn(HttpResponse<String> response) {
        List<String> ids = new ArrayList<>();
        if (response.body() == null || response.body().isBlank() || response.statusCode() >= 300) {
            return ids;
        }
        IBaseResource resource = CLIENT_CONTEXT.newJsonParser().parseResource(response.body());
        collect(resource, ids);
        return ids;
    }

    private static void collect(IBaseResource resource, List<String> ids) {
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                if (entry.getResource() != null) {
                    collect(entry.getResource(), ids);
                }
                if (entry.getResponse() != null && entry.getResponse().hasOutcome()) {
                    collect(entry.getResponse().getOutcome(), ids);
                }
            }
        } else if (resource != null && resource.getIdElement().hasIdPart()) {
            ids.add(resource.getIdElement().toUnqualifiedVersionless().getValue());
        }
    }

    private String url(String template) {
        return template.replace("{A}", world.patientA.getIdPart())
                .replace("{B}", world.patientB.getIdPart())
                .replace("{oB}", world.observationB.getIdPart())
                .replace("{cpB}", world.carePlanB.getIdPart())
                .replace("{condB}", world.conditionB.getIdPart())
                .replace("{bridgeA}", world.bridgeA.getIdPart())
                .replace("{markerB}", StorageProbe.MARKER_SYSTEM + "|" + world.observationBMarker)
                .replace("{mrnB}", TestData.MRN_SYSTEM + "|" + world.mrnB);
    }

    private RawHttp asAlice() {
        return RawHttp.to(root()).bearer(Caller.PHYSIO.token());
    }

    private static <T extends Resource> T marked(T resource, String marker) {
        if (resource instanceof Observation o) {
            o.addIdentifier(
                    new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker));
        }
        return resource;
    }

    private static String json(Resource resource) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(resource);
    }

    private String root() {
        return "http://localhost:" + port;
    }
}
