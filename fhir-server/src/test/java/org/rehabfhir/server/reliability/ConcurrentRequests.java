package org.rehabfhir.server.reliability;

import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.context.FhirContext;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import java.util.concurrent.TimeUnit;
import java.util.function.IntFunction;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Condition;

/** Identical requests sent at once (retries racing each other), for the retry and two-server tests. */
final class ConcurrentRequests {

    static final String CONDITION_SYSTEM = "http://rehab-fhir.org/fhir/sid/test-condition";

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    private ConcurrentRequests() {}

    /** Sends {@code clients} requests ({@code request.apply(i)}) with {@code token} from threads released together. */
    static List<HttpResponse<String>> atOnce(int clients, String token, IntFunction<HttpRequest.Builder> request)
            throws Exception {
        ExecutorService pool = Executors.newFixedThreadPool(clients);
        CountDownLatch start = new CountDownLatch(1);
        try {
            List<Future<HttpResponse<String>>> futures = new ArrayList<>();
            for (int i = 0; i < clients; i++) {
                HttpRequest built = request.apply(i)
                        .header("Authorization", "Bearer " + token)
                        .timeout(Duration.ofSeconds(60))
                        .build();
                futures.add(pool.submit(() -> {
                    start.await();
                    return HTTP.send(built, HttpResponse.BodyHandlers.ofString());
                }));
            }
            start.countDown();
            List<HttpResponse<String>> responses = new ArrayList<>();
            for (Future<HttpResponse<String>> future : futures) {
                responses.add(future.get(90, TimeUnit.SECONDS));
            }
            return responses;
        } finally {
            pool.shutdownNow();
        }
    }

    /** A transaction of a Patient and its Condition, both conditional creates (by MRN, by Condition identifier). */
    static String conditionalTransaction(String mrn, String conditionId) {
        String patientUrl = "urn:uuid:" + UUID.randomUUID();
        Condition condition = kneeOsteoarthritis(patientUrl);
        condition.addIdentifier().setSystem(CONDITION_SYSTEM).setValue(conditionId);
        return "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":["
                + "{\"fullUrl\":\"" + patientUrl + "\",\"resource\":" + json(patient(mrn))
                + ",\"request\":{\"method\":\"POST\","
                + "\"url\":\"Patient\",\"ifNoneExist\":\"identifier=" + MRN_SYSTEM + "|" + mrn + "\"}},"
                + "{\"resource\":" + json(condition) + ",\"request\":{\"method\":\"POST\",\"url\":\"Condition\","
                + "\"ifNoneExist\":\"identifier=" + CONDITION_SYSTEM + "|" + conditionId + "\"}}]}";
    }

    /** The status and body of the first answer that is not 2xx, for an assertion's message. */
    static String firstFailure(List<HttpResponse<String>> responses) {
        return responses.stream()
                .filter(r -> r.statusCode() >= 300)
                .map(r -> r.statusCode() + " " + r.body())
                .findFirst()
                .orElse("");
    }

    static String json(IBaseResource resource) {
        return FHIR.newJsonParser().encodeResourceToString(resource);
    }
}
