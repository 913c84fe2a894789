package org.rehabfhir.server.cds;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.parser.IParser;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import com.fasterxml.jackson.databind.node.ObjectNode;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.LocalDate;
import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;

/** CDS Hooks 2.0 as an EHR calls it: discovery, patient-view with and without prefetch, and who may call. */
class CdsHooksIT extends AbstractFhirServerIT {

    private static final HttpClient HTTP = HttpClient.newHttpClient();
    private static final ObjectMapper JSON = new ObjectMapper();
    private static final String KNEE_OA = "http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis";
    private static final String STROKE_CHRONIC = "http://rehab-fhir.org/fhir/PlanDefinition/bw-stroke-chronic";

    private String services() {
        return "http://localhost:" + port + "/cds-services";
    }

    private HttpResponse<String> get(String token) throws Exception {
        HttpRequest.Builder request =
                HttpRequest.newBuilder(URI.create(services())).GET();
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    private HttpResponse<String> call(String token, JsonNode body) throws Exception {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(services() + "/" + RegimenCardService.ID))
                .header("Content-Type", "application/json")
                .POST(HttpRequest.BodyPublishers.ofString(JSON.writeValueAsString(body)));
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** What an EHR posts when a clinician opens the chart (CDS Hooks 2.0 patient-view). */
    private static ObjectNode patientView(String patientId) {
        ObjectNode body = JSON.createObjectNode();
        body.put("hookInstance", UUID.randomUUID().toString());
        body.put("hook", "patient-view");
        ObjectNode context = body.putObject("context");
        context.put("userId", "Practitioner/demo-ehr-user");
        context.put("patientId", patientId);
        return body;
    }

    @Test
    void discoveryListsThePatientViewServiceWithItsPrefetchTemplates() throws Exception {
        HttpResponse<String> response = get(Tokens.ehr());
        assertThat(response.statusCode()).isEqualTo(200);
        JsonNode service = JSON.readTree(response.body()).get("services").get(0);
        assertThat(service.get("id").asText()).isEqualTo(RegimenCardService.ID);
        assertThat(service.get("hook").asText()).isEqualTo("patient-view");
        assertThat(service.get("prefetch").get("patient").asText()).isEqualTo("Patient/{{context.patientId}}");
        assertThat(service.get("prefetch").get("conditions").asText())
                .isEqualTo("Condition?patient={{context.patientId}}");
        assertThat(service.get("prefetch").get("observations").asText())
                .startsWith("Observation?patient={{context.patientId}}");
    }

    @Test
    void withoutPrefetchTheServiceReadsTheRecordAndSuggestsWhatRecommendRegimensSuggests() throws Exception {
        String patient = ehr().create()
                .resource(TestData.patient(TestData.uniqueMrn()))
                .execute()
                .getId()
                .getIdPart();
        ehr().create()
                .resource(TestData.kneeOsteoarthritis("Patient/" + patient))
                .execute();

        HttpResponse<String> response = call(Tokens.ehr(), patientView(patient));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode card = JSON.readTree(response.body()).get("cards").get(0);
        Bundle recommended = physio().operation()
                .onInstance("Patient/" + patient)
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .returnResourceType(Bundle.class)
                .execute();
        CarePlan first = (CarePlan) recommended.getEntryFirstRep().getResource();
        assertThat(first.getInstantiatesCanonical().get(0).getValue()).startsWith(KNEE_OA);
        String detail = card.get("detail").asText();
        assertThat(detail).contains(KNEE_OA).contains("**Evidence:** [");
        assertThat(card.get("summary").asText())
                .startsWith("Backward walking: ")
                .contains("screen");
        // nothing screened yet: the screen needs review, and the card says what is missing
        assertThat(detail).contains("needs-review").contains("**Missing for the screen:**");
        assertThat(card.get("indicator").asText()).isEqualTo("warning");
        JsonNode link = card.get("links").get(0);
        assertThat(link.get("type").asText()).isEqualTo("smart");
        assertThat(link.get("url").asText()).isEqualTo("https://rehab.example-hospital.org/patients/" + patient);
    }

    @Test
    void withPrefetchTheServiceUsesWhatTheEhrSent() throws Exception {
        IParser fhir = CLIENT_CONTEXT.newJsonParser();
        // a patient this server has never stored: only the prefetch can tell the service about them
        String patientId = "ehr-only-" + UUID.randomUUID().toString().substring(0, 8);
        Patient patient = TestData.patient(TestData.uniqueMrn());
        patient.setId("Patient/" + patientId);
        Condition stroke = new Condition();
        stroke.setId("Condition/ehr-stroke-1");
        stroke.setClinicalStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
        stroke.setCode(new CodeableConcept(new Coding(TestData.SNOMED, "230690007", "Cerebrovascular accident")));
        stroke.setOnset(new DateTimeType(LocalDate.now().minusYears(2).toString()));
        stroke.getSubject().setReference("Patient/" + patientId);
        Bundle conditions = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        conditions.addEntry().setResource(stroke);
        Bundle observations = new Bundle().setType(Bundle.BundleType.SEARCHSET);

        ObjectNode body = patientView(patientId);
        ObjectNode prefetch = body.putObject("prefetch");
        prefetch.set("patient", JSON.readTree(fhir.encodeResourceToString(patient)));
        prefetch.set("conditions", JSON.readTree(fhir.encodeResourceToString(conditions)));
        prefetch.set("observations", JSON.readTree(fhir.encodeResourceToString(observations)));

        HttpResponse<String> response = call(Tokens.ehr(), body);

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        JsonNode card = JSON.readTree(response.body()).get("cards").get(0);
        assertThat(card.get("detail").asText()).contains(STROKE_CHRONIC);
    }

    @Test
    void aPatientWithoutAMatchingConditionGetsNoCard() throws Exception {
        String patient = ehr().create()
                .resource(TestData.patient(TestData.uniqueMrn()))
                .execute()
                .getId()
                .getIdPart();
        HttpResponse<String> response = call(Tokens.ehr(), patientView(patient));
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(JSON.readTree(response.body()).get("cards")).isEmpty();
    }

    @Test
    void onlyAnAuthenticatedEhrSystemMayCall() throws Exception {
        assertThat(get(null).statusCode()).isEqualTo(401);
        assertThat(call(null, patientView("demo-knee-oa")).statusCode()).isEqualTo(401);
        assertThat(call(Tokens.user("alice"), patientView("demo-knee-oa")).statusCode())
                .isEqualTo(403);
        assertThat(get(Tokens.user("audrey")).statusCode()).isEqualTo(403);
    }

    @Test
    void anUnknownPatientWithoutPrefetchIsAClearError() throws Exception {
        HttpResponse<String> response = call(Tokens.ehr(), patientView("no-such-patient"));
        assertThat(response.statusCode()).isBetween(400, 499);
        assertThat(response.body()).contains("OperationOutcome").doesNotContain("\tat ");
    }
}
