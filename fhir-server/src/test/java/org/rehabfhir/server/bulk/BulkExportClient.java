package org.rehabfhir.server.bulk;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.io.IOException;
import java.io.UncheckedIOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.Map;
import java.util.TreeMap;
import java.util.function.Supplier;

/**
 * A Bulk Data client as the IG describes it, over plain HTTP: kick-off ({@code GET} with
 * {@code Prefer: respond-async}), polling the status URL until the completion document, downloading the NDJSON files
 * with the caller's token and counting their lines per type. A caller whose export may outlive its access token (five
 * minutes) passes a supplier of tokens, as a Bulk Data client fetches a new one when its own expires.
 */
public final class BulkExportClient {

    static final HttpClient HTTP = HttpClient.newHttpClient();
    static final ObjectMapper JSON = new ObjectMapper();

    private BulkExportClient() {}

    static HttpResponse<String> send(String token, HttpRequest.Builder request)
            throws IOException, InterruptedException {
        if (token != null) {
            request.header("Authorization", "Bearer " + token);
        }
        return HTTP.send(request.build(), HttpResponse.BodyHandlers.ofString());
    }

    /** Kick-off as the Bulk Data IG says: GET with Prefer: respond-async; 202 and the status URL. */
    public static HttpResponse<String> kickOff(String token, String url) throws IOException, InterruptedException {
        return send(
                token,
                HttpRequest.newBuilder(URI.create(url))
                        .header("Accept", "application/fhir+json")
                        .header("Prefer", "respond-async")
                        .GET());
    }

    public static String statusUrl(HttpResponse<String> kickOff) {
        assertThat(kickOff.statusCode()).as(kickOff.body()).isEqualTo(202);
        return kickOff.headers().firstValue("Content-Location").orElseThrow();
    }

    /**
     * How long an export may take here. Synthea's population changes with the run's date (its reference time is the
     * clock): on 2026-12-02 it held two records of over 7,000 entries, and the Group export of the ingest test took
     * 5 minutes on the 2-core machine while the whole suite ran (30 s on other days). Speed is the benchmarks' job.
     */
    static final Duration EXPORT_WAIT = Duration.ofMinutes(12);

    /** Polls until the export is complete (202 while it runs), returns the completion document. */
    public static JsonNode completed(String token, String statusUrl) {
        return completed(() -> token, statusUrl);
    }

    /** As {@link #completed(String, String)}, each poll with the token the supplier gives then. */
    public static JsonNode completed(Supplier<String> token, String statusUrl) {
        String body = await().atMost(EXPORT_WAIT)
                .pollInterval(Duration.ofSeconds(1))
                .until(
                        () -> {
                            HttpResponse<String> poll = send(
                                    token.get(),
                                    HttpRequest.newBuilder(URI.create(statusUrl))
                                            .GET());
                            assertThat(poll.statusCode()).as(poll.body()).isIn(200, 202);
                            return poll.statusCode() == 200 ? poll.body() : null;
                        },
                        b -> b != null);
        try {
            return JSON.readTree(body);
        } catch (IOException e) {
            throw new UncheckedIOException(e);
        }
    }

    /** Downloads every file of the export and counts its NDJSON lines per type (and checks each line's type). */
    public static Map<String, Integer> countPerType(String token, JsonNode done)
            throws IOException, InterruptedException {
        return countPerType(() -> token, done);
    }

    /** As {@link #countPerType(String, JsonNode)}, each download with the token the supplier gives then. */
    public static Map<String, Integer> countPerType(Supplier<String> token, JsonNode done)
            throws IOException, InterruptedException {
        Map<String, Integer> counts = new TreeMap<>();
        for (JsonNode output : done.get("output")) {
            String type = output.get("type").asText();
            HttpResponse<String> file = send(
                    token.get(),
                    HttpRequest.newBuilder(URI.create(output.get("url").asText()))
                            .header("Accept", "application/fhir+ndjson")
                            .GET());
            assertThat(file.statusCode()).as(file.body()).isEqualTo(200);
            for (String line : file.body().split("\n")) {
                if (line.isBlank()) {
                    continue;
                }
                assertThat(JSON.readTree(line).get("resourceType").asText()).isEqualTo(type);
                counts.merge(type, 1, Integer::sum);
            }
        }
        return counts;
    }

    /**
     * Kicks off the export at {@code url}, waits for it and counts what it gives back, per type; every request with
     * the token the supplier gives then, so an export longer than a token's life is still read by its caller.
     */
    public static Map<String, Integer> exportAndCount(Supplier<String> token, String url)
            throws IOException, InterruptedException {
        return countPerType(token, completed(token, statusUrl(kickOff(token.get(), url))));
    }
}
