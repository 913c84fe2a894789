package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.LinkedHashMap;
import java.util.Map;
import java.util.function.Supplier;
import org.hl7.fhir.r4.model.OperationOutcome;

/**
 * Raw HTTP for the cases the generic client cannot send (no or broken tokens, hostile bodies, odd headers), plus
 * the checks every refusal must pass: an OperationOutcome body and nothing of the server's insides.
 */
final class RawHttp {

    static final String FHIR_JSON = "application/fhir+json";
    static final String FHIR_XML = "application/fhir+xml";

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private final String root;
    private String token;
    private String method = "GET";
    private String path = "/";
    private String body;
    private final Map<String, String> headers = new LinkedHashMap<>();

    private RawHttp(String root) {
        this.root = root;
    }

    /** @param root {@code http://localhost:<port>} */
    static RawHttp to(String root) {
        return new RawHttp(root);
    }

    RawHttp get(String path) {
        this.method = "GET";
        this.path = path;
        return this;
    }

    RawHttp post(String path, String contentType, String body) {
        this.method = "POST";
        this.path = path;
        this.body = body;
        return header("Content-Type", contentType);
    }

    RawHttp put(String path, String contentType, String body) {
        post(path, contentType, body);
        this.method = "PUT";
        return this;
    }

    RawHttp patch(String path, String contentType, String body) {
        post(path, contentType, body);
        this.method = "PATCH";
        return this;
    }

    RawHttp delete(String path) {
        this.method = "DELETE";
        this.path = path;
        return this;
    }

    RawHttp bearer(String accessToken) {
        this.token = accessToken;
        return this;
    }

    RawHttp header(String name, String value) {
        headers.put(name, value);
        return this;
    }

    HttpResponse<String> send() {
        HttpRequest.Builder request = HttpRequest.newBuilder(URI.create(root + path.replace("|", "%7C")))
                .timeout(Duration.ofSeconds(60));
        headers.putIfAbsent("Accept", FHIR_JSON);
        headers.forEach(request::header);
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        request.method(
                method, body == null ? HttpRequest.BodyPublishers.noBody() : HttpRequest.BodyPublishers.ofString(body));
        try {
            return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
        } catch (IOException e) {
            throw new IllegalStateException(method + " " + path + " failed: " + e, e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException("Interrupted", e);
        }
    }

    /** The body is an OperationOutcome with at least one issue and shows nothing of the server's code. */
    static void assertCleanOperationOutcome(HttpResponse<String> response) {
        String body = response.body();
        assertThat(body)
                .as("body of %s", response.statusCode())
                .contains("OperationOutcome")
                .contains("issue");
        assertNoServerInternals(body);
    }

    /** No stack trace, exception class or source line in a response body. */
    static void assertNoServerInternals(String body) {
        assertThat(body)
                .doesNotContainPattern("\\bat (org|ca|java|jakarta|com)\\.[\\w.$]+\\(")
                .doesNotContainPattern("\\w+\\.java:\\d+")
                .doesNotContain("Caused by")
                .doesNotContain("org.springframework.")
                .doesNotContain("org.hibernate")
                .doesNotContain("java.lang.")
                .doesNotContain("org.postgresql");
    }

    /**
     * Runs a request and answers its HTTP status; a refusal must come as an OperationOutcome without server
     * internals.
     */
    static int status(Supplier<?> request) {
        try {
            Object result = request.get();
            if (result instanceof MethodOutcome outcome && outcome.getResponseStatusCode() > 0) {
                return outcome.getResponseStatusCode();
            }
            return 200;
        } catch (BaseServerResponseException e) {
            if (e.getOperationOutcome() != null) {
                OperationOutcome outcome = (OperationOutcome) e.getOperationOutcome();
                assertThat(outcome.getIssue()).isNotEmpty();
                RawHttp.assertNoServerInternals(
                        FhirContext.forR4Cached().newJsonParser().encodeResourceToString(outcome));
            } else {
                fail("HTTP " + e.getStatusCode() + " without an OperationOutcome: " + e.getMessage());
            }
            return e.getStatusCode();
        }
    }
}
