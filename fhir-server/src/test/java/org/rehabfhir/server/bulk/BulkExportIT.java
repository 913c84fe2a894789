package org.rehabfhir.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.bulk.BulkExportClient.JSON;
import static org.rehabfhir.server.bulk.BulkExportClient.completed;
import static org.rehabfhir.server.bulk.BulkExportClient.countPerType;
import static org.rehabfhir.server.bulk.BulkExportClient.kickOff;
import static org.rehabfhir.server.bulk.BulkExportClient.send;
import static org.rehabfhir.server.bulk.BulkExportClient.statusUrl;

import com.fasterxml.jackson.databind.JsonNode;
import java.net.URI;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.TreeMap;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Encounter;
import org.hl7.fhir.r4.model.Group;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeAll;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.api.TestInstance;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * FHIR Bulk Data export (HAPI's batch2 job) and {@code Patient/$everything} over HTTP, as an EHR would fetch back
 * what it loaded: a generated cohort of patients with their conditions, encounters and observations, exported at
 * Group, Patient and system level, polled until complete, the NDJSON files downloaded and counted per type; what the
 * auditor (and a narrower token) may export; that the files and the job are only the exporting caller's.
 */
@TestInstance(TestInstance.Lifecycle.PER_CLASS)
class BulkExportIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(BulkExportIT.class);

    private static final int PATIENTS = 12;
    private static final int OBSERVATIONS_EACH = 3;

    private final List<String> patients = new ArrayList<>();
    private String group;

    /** The cohort, loaded by the EHR in one transaction: per patient a Condition, an Encounter and 3 Observations. */
    @BeforeAll
    void loadCohort() {
        Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < PATIENTS; i++) {
            String patient = "urn:uuid:" + UUID.randomUUID();
            tx.addEntry()
                    .setFullUrl(patient)
                    .setResource(TestData.patient(TestData.uniqueMrn()))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Patient");
            tx.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(TestData.kneeOsteoarthritis(patient))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Condition");
            Encounter encounter = new Encounter();
            encounter.setStatus(Encounter.EncounterStatus.FINISHED);
            encounter
                    .getClass_()
                    .setSystem("http://terminology.hl7.org/CodeSystem/v3-ActCode")
                    .setCode("AMB");
            encounter.setSubject(new Reference(patient));
            tx.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(encounter)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Encounter");
            for (int o = 0; o < OBSERVATIONS_EACH; o++) {
                tx.addEntry()
                        .setFullUrl("urn:uuid:" + UUID.randomUUID())
                        .setResource(TestData.timedUpAndGo(
                                patient, 14 - o, LocalDate.now().minusDays(o).toString()))
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("Observation");
            }
        }
        Bundle response = ehr().transaction().withBundle(tx).execute();
        for (Bundle.BundleEntryComponent entry : response.getEntry()) {
            String location = entry.getResponse().getLocation();
            if (location.startsWith("Patient/")) {
                patients.add(new IdType(location).toUnqualifiedVersionless().getValue());
            }
        }
        Group cohort = new Group();
        cohort.setType(Group.GroupType.PERSON).setActual(true).setName("Bulk export cohort");
        patients.forEach(p -> cohort.addMember().setEntity(new Reference(p)));
        group = ehr().create()
                .resource(cohort)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        // a physiotherapist's Goal for the first patient: in the compartment, but not the EHR's to read
        physio().create().resource(TestData.tugGoal(patients.get(0))).execute();
    }

    private String fhir(String path) {
        return baseUrl() + "/" + path;
    }

    @Test
    void theEhrExportsItsCohortByGroupAndGetsEveryResourceBack() throws Exception {
        String token = Tokens.ehr();
        String status =
                statusUrl(kickOff(token, fhir(group + "/$export?_type=Patient,Condition,Encounter,Observation")));
        JsonNode done = completed(token, status);
        assertThat(done.get("requiresAccessToken").asBoolean()).isTrue();
        Map<String, Integer> counts = countPerType(token, done);
        log.info("BENCHMARK bulk export (Group, EHR) per type: {}", counts);
        assertThat(counts)
                .containsExactlyInAnyOrderEntriesOf(Map.of(
                        "Patient", PATIENTS,
                        "Condition", PATIENTS,
                        "Encounter", PATIENTS,
                        "Observation", PATIENTS * OBSERVATIONS_EACH));
    }

    @Test
    void withoutTypeTheEhrGetsOnlyTheTypesItMayReadAndNeverThePhysiotherapistsGoals() throws Exception {
        String token = Tokens.ehr();
        JsonNode done = completed(token, statusUrl(kickOff(token, fhir(patients.get(0) + "/$export"))));
        Map<String, Integer> counts = countPerType(token, done);
        log.info("BENCHMARK bulk export (Patient instance, EHR, no _type) per type: {}", counts);
        assertThat(counts)
                .containsEntry("Patient", 1)
                .containsEntry("Condition", 1)
                .containsEntry("Encounter", 1)
                .containsEntry("Observation", OBSERVATIONS_EACH)
                .doesNotContainKeys("Goal", "Provenance", "Binary");
    }

    @Test
    void aSystemExportHoldsTheWholeCohort() throws Exception {
        String token = Tokens.ehr();
        JsonNode done = completed(token, statusUrl(kickOff(token, fhir("$export?_type=Patient"))));
        List<String> exported = new ArrayList<>();
        for (JsonNode output : done.get("output")) {
            HttpResponse<String> file = send(
                    token,
                    HttpRequest.newBuilder(URI.create(output.get("url").asText()))
                            .header("Accept", "application/fhir+ndjson")
                            .GET());
            for (String line : file.body().split("\n")) {
                if (!line.isBlank()) {
                    exported.add("Patient/" + JSON.readTree(line).get("id").asText());
                }
            }
        }
        assertThat(exported).containsAll(patients);
    }

    @Test
    void theAuditorExportsOnlyWhatItsScopesReadAndANarrowerTokenLess() throws Exception {
        TokenClient tokens = KeycloakServer.shared().tokens();
        String audrey = tokens.password(
                        TokenClient.AUDREY, TokenClient.AUDREY_PASSWORD, TokenClient.AUDITOR_SCOPES + " user/Binary.r")
                .accessToken();
        Map<String, Integer> all =
                countPerType(audrey, completed(audrey, statusUrl(kickOff(audrey, fhir(group + "/$export")))));
        assertThat(all.keySet())
                .isSubsetOf("Observation", "CarePlan", "Provenance")
                .contains("Observation");
        assertThat(all).containsEntry("Observation", PATIENTS * OBSERVATIONS_EACH);

        String observationsOnly = tokens.password(
                        TokenClient.AUDREY, TokenClient.AUDREY_PASSWORD, "openid user/Observation.rs user/Binary.r")
                .accessToken();
        Map<String, Integer> narrowed = countPerType(
                observationsOnly,
                completed(observationsOnly, statusUrl(kickOff(observationsOnly, fhir(group + "/$export")))));
        assertThat(narrowed.keySet()).containsExactly("Observation");

        HttpResponse<String> refused = kickOff(observationsOnly, fhir(group + "/$export?_type=Observation,Patient"));
        assertThat(refused.statusCode()).isEqualTo(403);
        assertThat(refused.body()).contains("Patient");
    }

    @Test
    void theFilesAndTheJobAreOnlyTheExportingCallers() throws Exception {
        String ehr = Tokens.ehr();
        String status = statusUrl(kickOff(ehr, fhir(patients.get(1) + "/$export?_type=Observation")));
        JsonNode done = completed(ehr, status);
        String file = done.get("output").get(0).get("url").asText();
        String audrey = KeycloakServer.shared()
                .tokens()
                .password(
                        TokenClient.AUDREY, TokenClient.AUDREY_PASSWORD, TokenClient.AUDITOR_SCOPES + " user/Binary.r")
                .accessToken();
        assertThat(send(audrey, HttpRequest.newBuilder(URI.create(file)).GET()).statusCode())
                .isEqualTo(403);
        assertThat(send(audrey, HttpRequest.newBuilder(URI.create(status)).GET())
                        .statusCode())
                .isEqualTo(404);
        assertThat(send(null, HttpRequest.newBuilder(URI.create(file)).GET()).statusCode())
                .isEqualTo(401);
    }

    @Test
    void personsWithoutTheRightMayNotExport() throws Exception {
        assertThat(kickOff(Tokens.user("alice"), fhir("$export")).statusCode()).isEqualTo(403);
        assertThat(kickOff(null, fhir("$export")).statusCode()).isEqualTo(401);
    }

    @Test
    void everythingGivesTheEhrThePatientsRecordWithoutWhatItMayNotRead() throws Exception {
        HttpResponse<String> response = send(
                Tokens.ehr(),
                HttpRequest.newBuilder(URI.create(fhir(patients.get(0) + "/$everything?_count=100")))
                        .header("Accept", "application/fhir+json")
                        .GET());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode entry : JSON.readTree(response.body()).get("entry")) {
            counts.merge(entry.get("resource").get("resourceType").asText(), 1, Integer::sum);
        }
        log.info("BENCHMARK Patient/$everything (EHR) per type: {}", counts);
        assertThat(counts)
                .containsEntry("Patient", 1)
                .containsEntry("Condition", 1)
                .containsEntry("Encounter", 1)
                .containsEntry("Observation", OBSERVATIONS_EACH)
                .doesNotContainKey("Goal");
        assertThat(send(
                                Tokens.user("alice"),
                                HttpRequest.newBuilder(URI.create(fhir(patients.get(0) + "/$everything")))
                                        .GET())
                        .statusCode())
                .isEqualTo(403);
    }
}
