package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.ArrayList;
import java.util.Arrays;
import java.util.List;
import java.util.UUID;
import java.util.concurrent.ExecutorService;
import java.util.concurrent.Executors;
import java.util.concurrent.Future;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.cds.RegimenCardService;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * Benchmark, not a test (not run by {@code ./mvnw verify}): times {@code Patient/{id}/$recommend-regimens} over
 * HTTP, as physiotherapist alice, for 1,000 patients of mixed conditions on the running server (PostgreSQL,
 * Keycloak token checks, authorization and all). Run:
 * {@code ./mvnw -pl fhir-server verify -Dit.test=RecommendRegimensBenchmark -Dbenchmark.patients=1000}.
 * Prints throughput and p50/p95/p99 latency, sequential and with two client threads. Target: p95 under 50 ms. Then
 * the same patients as CDS Hooks {@code patient-view} cards, as the EHR calls them (target: p95 under 200 ms).
 */
class RecommendRegimensBenchmark extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(RecommendRegimensBenchmark.class);
    private static final String SCT = TestData.SNOMED;
    private static final String ICD = TestData.ICD10CM;

    /** Condition codings cycled through the patients: SNOMED CT and ICD-10-CM, matching and not. */
    private static final Coding[] CONDITIONS = {
        new Coding(SCT, "239873007", "Osteoarthritis of knee"),
        new Coding(ICD, "M17.11", "Unilateral primary osteoarthritis, right knee"),
        new Coding(SCT, "230690007", "Cerebrovascular accident"),
        new Coding(ICD, "I63.512", "Cerebral infarction due to occlusion or stenosis of left MCA"),
        new Coding(SCT, "49049000", "Parkinson's disease"),
        new Coding(ICD, "G20.A1", "Parkinson's disease without dyskinesia"),
        new Coding(SCT, "24700007", "Multiple sclerosis"),
        new Coding(SCT, "278860009", "Chronic low back pain"),
        new Coding(SCT, "430725003", "Patellofemoral stress syndrome"),
        new Coding(SCT, "444470001", "Injury of anterior cruciate ligament"),
        new Coding(SCT, "359817006", "Closed fracture of hip"),
        null // text only, unrelated
    };

    @Test
    void recommendRegimensLatency() throws Exception {
        int patients = Integer.getInteger("benchmark.patients", 1000);
        List<String> ids = seed(patients);
        IGenericClient physio = physio();

        for (int i = 0; i < Math.min(50, ids.size()); i++) {
            recommend(physio, ids.get(i)); // warm-up: JIT, connection pool, caches
        }

        long started = System.nanoTime();
        long[] sequential = new long[ids.size()];
        for (int i = 0; i < ids.size(); i++) {
            long t0 = System.nanoTime();
            recommend(physio, ids.get(i));
            sequential[i] = System.nanoTime() - t0;
        }
        double sequentialSeconds = (System.nanoTime() - started) / 1e9;
        report("sequential (1 client)", sequential, sequentialSeconds);

        ExecutorService pool = Executors.newFixedThreadPool(2);
        long[] concurrent = new long[ids.size()];
        started = System.nanoTime();
        List<Future<?>> futures = new ArrayList<>();
        for (int worker = 0; worker < 2; worker++) {
            int offset = worker;
            IGenericClient client = physio();
            futures.add(pool.submit(() -> {
                for (int i = offset; i < ids.size(); i += 2) {
                    long t0 = System.nanoTime();
                    recommend(client, ids.get(i));
                    concurrent[i] = System.nanoTime() - t0;
                }
            }));
        }
        for (Future<?> f : futures) {
            f.get();
        }
        pool.shutdown();
        report("concurrent (2 clients)", concurrent, (System.nanoTime() - started) / 1e9);

        // the same recommendation as a CDS Hooks patient-view card, as an EHR asks for it (no prefetch: the service
        // reads Patient, Conditions and Observations itself). Target: p95 under 200 ms.
        String ehrToken = Tokens.ehr();
        for (int i = 0; i < Math.min(50, ids.size()); i++) {
            patientView(ehrToken, ids.get(i));
        }
        long[] cds = new long[ids.size()];
        started = System.nanoTime();
        for (int i = 0; i < ids.size(); i++) {
            long t0 = System.nanoTime();
            patientView(ehrToken, ids.get(i));
            cds[i] = System.nanoTime() - t0;
        }
        report(
                "CDS Hooks patient-view card (EHR, no prefetch, 1 client; target p95 < 200 ms)",
                cds,
                (System.nanoTime() - started) / 1e9);

        assertThat(Arrays.stream(sequential).min().orElse(0)).isPositive();
    }

    private static final HttpClient HTTP = HttpClient.newHttpClient();

    private void patientView(String token, String patient) throws Exception {
        String body = "{\"hookInstance\":\"" + UUID.randomUUID() + "\",\"hook\":\"patient-view\",\"context\":"
                + "{\"userId\":\"Practitioner/benchmark\",\"patientId\":\"" + new IdType(patient).getIdPart() + "\"}}";
        HttpResponse<String> response = HTTP.send(
                HttpRequest.newBuilder(
                                URI.create("http://localhost:" + port + "/cds-services/" + RegimenCardService.ID))
                        .header("Authorization", "Bearer " + token)
                        .header("Content-Type", "application/json")
                        .POST(HttpRequest.BodyPublishers.ofString(body))
                        .build(),
                HttpResponse.BodyHandlers.ofString());
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static void recommend(IGenericClient client, String patient) {
        client.operation()
                .onInstance(new IdType(patient))
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
    }

    private static void report(String label, long[] nanos, double seconds) {
        long[] sorted = nanos.clone();
        Arrays.sort(sorted);
        log.info(
                "BENCHMARK $recommend-regimens {}: {} patients in {} s = {} patients/s; latency p50 {} ms, p95 {} ms, p99 {} ms, max {} ms",
                label,
                sorted.length,
                String.format("%.2f", seconds),
                String.format("%.1f", sorted.length / seconds),
                ms(percentile(sorted, 50)),
                ms(percentile(sorted, 95)),
                ms(percentile(sorted, 99)),
                ms(sorted[sorted.length - 1]));
    }

    private static long percentile(long[] sorted, int p) {
        return sorted[Math.min(sorted.length - 1, (int) Math.ceil(p / 100.0 * sorted.length) - 1)];
    }

    private static String ms(long nanos) {
        return String.format("%.1f", nanos / 1e6);
    }

    /** Patients with one Condition each and a recent heart rate, stored by the EHR in transactions of 40. */
    private List<String> seed(int count) {
        long started = System.nanoTime();
        List<String> ids = new ArrayList<>();
        IGenericClient ehr = ehr();
        for (int start = 0; start < count; start += 40) {
            Bundle tx = new Bundle().setType(Bundle.BundleType.TRANSACTION);
            for (int i = start; i < Math.min(count, start + 40); i++) {
                String patientUrl = "urn:uuid:" + UUID.randomUUID();
                Patient patient = TestData.patient("BENCH-" + UUID.randomUUID());
                patient.setBirthDateElement(new org.hl7.fhir.r4.model.DateType(1940 + i % 50, 0, 15));
                tx.addEntry()
                        .setFullUrl(patientUrl)
                        .setResource(patient)
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("Patient");
                Condition condition = new Condition();
                condition.setClinicalStatus(new CodeableConcept(
                        new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
                Coding coding = CONDITIONS[i % CONDITIONS.length];
                condition.setCode(
                        coding == null
                                ? new CodeableConcept().setText("Seasonal allergic rhinitis")
                                : new CodeableConcept(coding.copy()));
                condition.setSubject(new Reference(patientUrl));
                tx.addEntry()
                        .setFullUrl("urn:uuid:" + UUID.randomUUID())
                        .setResource(condition)
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("Condition");
                Observation heartRate = SessionData.heartRate(patientUrl, 60 + i % 70, SessionData.daysAgo(i % 5));
                tx.addEntry()
                        .setFullUrl("urn:uuid:" + UUID.randomUUID())
                        .setResource(heartRate)
                        .getRequest()
                        .setMethod(Bundle.HTTPVerb.POST)
                        .setUrl("Observation");
            }
            Bundle response = ehr.transaction().withBundle(tx).execute();
            for (Bundle.BundleEntryComponent entry : response.getEntry()) {
                String location = entry.getResponse().getLocation();
                if (location.startsWith("Patient/")) {
                    ids.add(new IdType(location).toUnqualifiedVersionless().getValue());
                }
            }
        }
        log.info(
                "BENCHMARK seeded {} patients (Patient + Condition + heart rate each) in {} s",
                ids.size(),
                String.format("%.1f", (System.nanoTime() - started) / 1e9));
        return ids;
    }
}
