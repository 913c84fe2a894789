package org.rehabfhir.server.errors;

import static org.assertj.core.api.Assertions.assertThat;

import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractStorageIT;

/**
 * Bad input gets a 4xx OperationOutcome without a Java stack trace. Raw HTTP on purpose: a FHIR client will not
 * send malformed bodies.
 */
class BadInputIT extends AbstractStorageIT {

    private final HttpClient http = HttpClient.newHttpClient();

    @Test
    void malformedJsonIsA400OperationOutcome() throws Exception {
        HttpResponse<String> response =
                post("Patient", "application/fhir+json", "{\"resourceType\": \"Patient\", \"name\": [");
        assertClientErrorOperationOutcome(response);
    }

    @Test
    void malformedXmlIsA400OperationOutcome() throws Exception {
        HttpResponse<String> response = post(
                "Patient",
                "application/fhir+xml",
                "<Patient xmlns=\"http://hl7.org/fhir\"><name><family value=\"X\"/></Patient>");
        assertClientErrorOperationOutcome(response);
    }

    @Test
    void unknownResourceTypeIsA4xxOperationOutcome() throws Exception {
        HttpResponse<String> response = post("Wombat", "application/fhir+json", "{\"resourceType\": \"Wombat\"}");
        assertClientErrorOperationOutcome(response);
    }

    @Test
    void resourceWithAnElementR4DoesNotHaveIsRejected() throws Exception {
        HttpResponse<String> response = post(
                "Patient",
                "application/fhir+json",
                "{\"resourceType\": \"Patient\", \"active\": true, \"favouriteColour\": \"green\"}");
        assertClientErrorOperationOutcome(response);
        assertThat(response.body()).contains("favouriteColour");
    }

    @Test
    void codeOutsideItsRequiredValueSetIsRejectedAndNotStored() throws Exception {
        String marker = java.util.UUID.randomUUID().toString();
        HttpResponse<String> response = post(
                "Observation",
                "application/fhir+json",
                "{\"resourceType\":\"Observation\",\"status\":\"finished-ish\",\"identifier\":[{\"system\":\"urn:test\",\"value\":\""
                        + marker
                        + "\"}],\"code\":{\"coding\":[{\"system\":\"http://loinc.org\",\"code\":\"89423-8\"}]}}");
        assertClientErrorOperationOutcome(response);
        org.hl7.fhir.r4.model.Bundle found = client.search()
                .forResource(org.hl7.fhir.r4.model.Observation.class)
                .where(org.hl7.fhir.r4.model.Observation.IDENTIFIER.exactly().systemAndIdentifier("urn:test", marker))
                .returnBundle(org.hl7.fhir.r4.model.Bundle.class)
                .execute();
        assertThat(found.getEntry()).isEmpty();
    }

    @Test
    void resourceTypeNotMatchingTheUrlIsRejected() throws Exception {
        HttpResponse<String> response =
                post("Observation", "application/fhir+json", "{\"resourceType\": \"Patient\", \"active\": true}");
        assertClientErrorOperationOutcome(response);
    }

    private HttpResponse<String> post(String path, String contentType, String body)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create(baseUrl() + "/" + path))
                .header("Content-Type", contentType)
                .header("Accept", "application/fhir+json")
                .POST(HttpRequest.BodyPublishers.ofString(body))
                .build();
        return http.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static void assertClientErrorOperationOutcome(HttpResponse<String> response) {
        assertThat(response.statusCode()).isBetween(400, 499);
        OperationOutcome outcome =
                CLIENT_CONTEXT.newJsonParser().parseResource(OperationOutcome.class, response.body());
        assertThat(outcome.getIssue()).isNotEmpty();
        assertThat(outcome.getIssueFirstRep().getSeverity())
                .isIn(OperationOutcome.IssueSeverity.ERROR, OperationOutcome.IssueSeverity.FATAL);
        assertThat(response.body())
                .doesNotContainPattern("\\bat (ca|org|java|jakarta)\\.[\\w.$]+\\(")
                .doesNotContain("Exception:")
                .doesNotContain("\tat ");
    }
}
