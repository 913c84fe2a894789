package org.rehabfhir.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.ArrayList;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.CountDownLatch;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Claim;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.Tokens;

/**
 * At most {@code rehab.security.limits.large-requests.max-concurrent} (2) large requests (transactions of more than
 * {@code min-entries} entries; 500 in the test stack, 2,000 in production) at once: the next one is 503 with
 * {@code Retry-After} and an OperationOutcome, nothing of it stored; it is taken once the others are done. Records of
 * 501 entries (a Patient and 500 Observations, as {@link IngestLimitsIT} builds them) are sent at the same moment:
 * each takes seconds to validate and store, far longer than the others take to arrive.
 */
class ConcurrentLargeRequestsIT extends AbstractFhirServerIT {

    /** Above the test stack's large-requests.min-entries (500; AbstractFhirServerIT). */
    private static final int OBSERVATIONS = 500;

    private record Sent(String marker, String body) {}

    private static Sent largeRecord() {
        String marker = UUID.randomUUID().toString();
        return new Sent(
                marker,
                CLIENT_CONTEXT.newJsonParser().encodeResourceToString(IngestLimitsIT.record(OBSERVATIONS, marker)));
    }

    private int storedWithMarker(String marker) {
        return ehr().search()
                .byUrl("Observation?identifier=" + IngestLimitsIT.MARKER + "|" + marker + "&_summary=count")
                .returnBundle(Bundle.class)
                .execute()
                .getTotal();
    }

    @Test
    void aThirdLargeRecordAtOnceIs503WithRetryAfterStoresNothingAndIsTakenWhenSentAgain() throws Exception {
        String token = Tokens.ehr();
        BundlePoster poster = new BundlePoster(baseUrl(), () -> token);
        List<Sent> records = List.of(largeRecord(), largeRecord(), largeRecord());
        CountDownLatch go = new CountDownLatch(1);
        ExecutorService pool = Executors.newFixedThreadPool(records.size());
        List<BundlePoster.Response> responses = new ArrayList<>();
        try {
            List<Future<BundlePoster.Response>> posted = new ArrayList<>();
            for (Sent record : records) {
                posted.add(pool.submit(() -> {
                    go.await();
                    return poster.post(record.body());
                }));
            }
            go.countDown();
            for (Future<BundlePoster.Response> response : posted) {
                responses.add(response.get());
            }
        } finally {
            pool.shutdown();
        }

        assertThat(responses).extracting(BundlePoster.Response::status).containsExactlyInAnyOrder(200, 200, 503);
        for (int i = 0; i < records.size(); i++) {
            BundlePoster.Response response = responses.get(i);
            if (response.status() == 200) {
                assertThat(storedWithMarker(records.get(i).marker())).isEqualTo(OBSERVATIONS);
                continue;
            }
            assertThat(response.retryAfter()).contains("10");
            OperationOutcome oo = CLIENT_CONTEXT.newJsonParser().parseResource(OperationOutcome.class, response.body());
            assertThat(oo.getIssueFirstRep().getCode()).isEqualTo(OperationOutcome.IssueType.THROTTLED);
            assertThat(oo.getIssueFirstRep().getDiagnostics())
                    .contains("large-requests.max-concurrent")
                    .contains("501 entries")
                    .contains("nothing of it was stored");
            assertThat(storedWithMarker(records.get(i).marker())).isZero();

            // the others are done: sent again, it is taken
            assertThat(poster.post(records.get(i).body()).status()).isEqualTo(200);
            assertThat(storedWithMarker(records.get(i).marker())).isEqualTo(OBSERVATIONS);
        }
    }

    @Test
    void largeRequestsThatFailGiveTheirPermitBack() {
        String token = Tokens.ehr();
        BundlePoster poster = new BundlePoster(baseUrl(), () -> token);
        // more failed large records than there are permits: each refused (403, a type outside the EHR contract)
        for (int i = 0; i < 3; i++) {
            Bundle refused =
                    IngestLimitsIT.record(OBSERVATIONS, UUID.randomUUID().toString());
            refused.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(new Claim())
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Claim");
            assertThat(poster.post(CLIENT_CONTEXT.newJsonParser().encodeResourceToString(refused))
                            .status())
                    .isEqualTo(403);
        }

        Sent record = largeRecord();
        assertThat(poster.post(record.body()).status()).isEqualTo(200);
        assertThat(storedWithMarker(record.marker())).isEqualTo(OBSERVATIONS);
    }
}
