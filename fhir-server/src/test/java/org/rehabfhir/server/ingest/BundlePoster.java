package org.rehabfhir.server.ingest;

import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.file.Path;
import java.time.Duration;
import java.util.function.Supplier;

/**
 * Posts a Bundle file to the FHIR base as it is on disk (byte for byte, as an EHR interface engine sends an export),
 * with a bearer token. HAPI's generic client would parse and re-encode it, which is not what the server receives
 * from a hospital.
 */
public final class BundlePoster {

    /** Whole patient records take a while: a transaction of 20,000 entries is stored in one database transaction. */
    static final Duration REQUEST_TIMEOUT = Duration.ofMinutes(10);

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    /** The answer; {@code retryAfter}: the {@code Retry-After} header, if any. */
    public record Response(int status, String body, java.util.Optional<String> retryAfter) {}

    private final String fhirBase;
    private final Supplier<String> token;

    public BundlePoster(String fhirBase, Supplier<String> token) {
        this.fhirBase = fhirBase;
        this.token = token;
    }

    public Response post(Path bundle) {
        try {
            return post(HttpRequest.BodyPublishers.ofFile(bundle));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    public Response post(String bundle) {
        return post(HttpRequest.BodyPublishers.ofString(bundle));
    }

    /**
     * As an EHR interface should send: a 503 (the server is busy with other large records,
     * {@code rehab.security.limits.large-requests}) is sent again after its {@code Retry-After}, up to 30 times.
     */
    public Response postUntilAccepted(Path bundle) {
        for (int attempt = 1; ; attempt++) {
            Response response = post(bundle);
            if (response.status() != 503 || response.retryAfter().isEmpty() || attempt == 30) {
                return response;
            }
            try {
                Thread.sleep(Long.parseLong(response.retryAfter().get()) * 1000);
            } catch (InterruptedException e) {
                Thread.currentThread().interrupt();
                return response;
            }
        }
    }

    private Response post(HttpRequest.BodyPublisher body) {
        HttpRequest request = HttpRequest.newBuilder(URI.create(fhirBase))
                .timeout(REQUEST_TIMEOUT)
                .header("Authorization", "Bearer " + token.get())
                .header("Content-Type", "application/fhir+json")
                .header("Accept", "application/fhir+json")
                // the answer of a 20,000-entry transaction: one entry per resource, no resource bodies
                .header("Prefer", "return=minimal")
                .POST(body)
                .build();
        try {
            HttpResponse<String> response = HTTP.send(request, HttpResponse.BodyHandlers.ofString());
            return new Response(
                    response.statusCode(), response.body(), response.headers().firstValue("Retry-After"));
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        } catch (InterruptedException e) {
            Thread.currentThread().interrupt();
            throw new IllegalStateException(e);
        }
    }
}
