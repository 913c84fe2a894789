package org.rehabfhir.app.handout;

import ca.uhn.fhir.rest.server.exceptions.AuthenticationException;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import ca.uhn.fhir.rest.server.exceptions.UnclassifiedServerFailureException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import org.rehabfhir.app.fhir.FhirApi;
import org.rehabfhir.app.web.Ids;
import org.springframework.http.ContentDisposition;
import org.springframework.http.HttpHeaders;
import org.springframework.http.MediaType;
import org.springframework.http.ResponseEntity;
import org.springframework.security.core.context.SecurityContextHolder;
import org.springframework.stereotype.Controller;
import org.springframework.web.bind.annotation.GetMapping;
import org.springframework.web.bind.annotation.PathVariable;

/** Physiotherapist screen 7: the patient handout, {@code CarePlan/{id}/$handout} as a PDF download. */
@Controller
public class HandoutController {

    private final FhirApi api;
    private final HttpClient http =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    public HandoutController(FhirApi api) {
        this.api = api;
    }

    @GetMapping("/careplans/{id}/handout")
    public ResponseEntity<byte[]> handout(@PathVariable String id) throws IOException, InterruptedException {
        String token = api.accessToken(SecurityContextHolder.getContext().getAuthentication());
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(api.baseUrl() + "/CarePlan/" + Ids.require(id) + "/$handout"))
                .timeout(Duration.ofSeconds(60))
                .header("Authorization", "Bearer " + token)
                .header("Accept", "application/pdf")
                .header(FhirApi.PURPOSE_HEADER, "TREAT")
                .GET()
                .build();
        HttpResponse<byte[]> response = http.send(request, HttpResponse.BodyHandlers.ofByteArray());
        switch (response.statusCode()) {
            case 200 -> {
                return ResponseEntity.ok()
                        .contentType(MediaType.APPLICATION_PDF)
                        .header(
                                HttpHeaders.CONTENT_DISPOSITION,
                                ContentDisposition.attachment()
                                        .filename("backward-walking-plan-" + id + ".pdf")
                                        .build()
                                        .toString())
                        .header(HttpHeaders.CACHE_CONTROL, "no-store")
                        .body(response.body());
            }
            case 401 -> throw new AuthenticationException("handout: 401");
            case 403 -> throw new ForbiddenOperationException("handout: 403");
            case 404, 410 -> throw new ResourceNotFoundException("CarePlan/" + id);
            default -> throw new UnclassifiedServerFailureException(
                    response.statusCode(), "The handout could not be made (HTTP " + response.statusCode() + ")");
        }
    }
}
