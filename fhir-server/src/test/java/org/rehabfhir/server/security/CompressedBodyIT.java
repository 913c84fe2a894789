package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.io.ByteArrayOutputStream;
import java.io.IOException;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.time.Duration;
import java.util.zip.GZIPOutputStream;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 2 (issue 10): a compressed body is held to the same size limit as a plain one, counted after
 * decompression, so a small gzip cannot inflate into the heap. Over HTTP with a valid EHR token (the EHR may create
 * Patients): gzip bombs get 413 and store nothing, a small gzip body works, unknown encodings get 415.
 */
class CompressedBodyIT extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(CompressedBodyIT.class);
    /** Person roles' limit (rehab.security.limits.max-request-body). */
    private static final int MAX_BODY_BYTES = 5 * 1024 * 1024;
    /** EHR systems' limit (rehab.security.limits.ehr-system.max-request-body): the inflated size is capped too. */
    private static final int EHR_MAX_BODY_BYTES = 64 * 1024 * 1024;

    private static final HttpClient HTTP =
            HttpClient.newBuilder().connectTimeout(Duration.ofSeconds(10)).build();

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void probe() {
        store = new StorageProbe(daoRegistry);
    }

    @Test
    void gzipBodyInflatingPastTheLimitIs413AndStoresNothing() throws Exception {
        String mrn = TestData.uniqueMrn();
        // A valid Patient padded with whitespace to 100 MB: about 100 kB as gzip, far below every limit
        byte[] bomb = gzip(paddedPatient(mrn, 100 * 1024 * 1024));
        assertThat(bomb.length).isLessThan(MAX_BODY_BYTES / 10);

        HttpResponse<String> response = postGzip(bomb, "gzip");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(413);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    @Test
    void gzipBodyJustOverTheLimitIs413() throws Exception {
        String mrn = TestData.uniqueMrn();

        HttpResponse<String> person = postGzip(gzip(paddedPatient(mrn, MAX_BODY_BYTES + 1)), "gzip", Caller.PHYSIO);
        HttpResponse<String> ehr = postGzip(gzip(paddedPatient(mrn, EHR_MAX_BODY_BYTES + 1)), "gzip", Caller.EHR);

        assertThat(person.statusCode()).as(person.body()).isEqualTo(413);
        assertThat(ehr.statusCode()).as(ehr.body()).isEqualTo(413);
        assertThat(ehr.body()).contains("for EHR systems");
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    @Test
    void smallGzipBodyIsAccepted() throws Exception {
        String mrn = TestData.uniqueMrn();

        HttpResponse<String> response = postGzip(gzip(json(TestData.patient(mrn))), "gzip");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(201);
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isEqualTo(1);
    }

    @Test
    void unsupportedContentEncodingIs415AndStoresNothing() throws Exception {
        String mrn = TestData.uniqueMrn();

        HttpResponse<String> deflate = postGzip(json(TestData.patient(mrn)).getBytes(StandardCharsets.UTF_8), "br");
        HttpResponse<String> stacked = postGzip(gzip(gzip(json(TestData.patient(mrn)))), "gzip, gzip");

        assertThat(deflate.statusCode()).as(deflate.body()).isEqualTo(415);
        assertThat(stacked.statusCode()).as(stacked.body()).isEqualTo(415);
        RawHttp.assertCleanOperationOutcome(deflate);
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    @Test
    void bodyThatIsNotGzipIs400() throws Exception {
        HttpResponse<String> response =
                postGzip(json(TestData.patient(TestData.uniqueMrn())).getBytes(StandardCharsets.UTF_8), "gzip");

        assertThat(response.statusCode()).as(response.body()).isEqualTo(400);
        RawHttp.assertCleanOperationOutcome(response);
    }

    /**
     * Bounded check (benchmark-style, loopback, 3 requests): a 1 GiB gzip bomb (about 1 MB on the wire) is refused
     * with 413 each time, and the heap in use (the server runs in this JVM) grows by far less than the bomb.
     */
    @Test
    void gigabyteGzipBombIsRefusedWithoutInflatingIt() throws Exception {
        byte[] bomb = gzipOfSpaces(1024L * 1024 * 1024);
        Runtime runtime = Runtime.getRuntime();
        System.gc();
        long heapBefore = runtime.totalMemory() - runtime.freeMemory();
        for (int i = 0; i < 3; i++) {
            long started = System.nanoTime();
            // a person's token: at most 5 MB is inflated (an EHR system's: 64 MB, gzipBodyJustOverTheLimitIs413)
            HttpResponse<String> response = postGzip(bomb, "gzip", Caller.PHYSIO);
            log.info(
                    "1 GiB gzip bomb ({} bytes compressed): {} in {} ms",
                    bomb.length,
                    response.statusCode(),
                    (System.nanoTime() - started) / 1_000_000);
            assertThat(response.statusCode()).isEqualTo(413);
        }
        long heapAfter = runtime.totalMemory() - runtime.freeMemory();
        assertThat(heapAfter - heapBefore).as("heap growth in bytes").isLessThan(256L * 1024 * 1024);
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private HttpResponse<String> postGzip(byte[] body, String encoding) throws IOException, InterruptedException {
        return postGzip(body, encoding, Caller.EHR);
    }

    private HttpResponse<String> postGzip(byte[] body, String encoding, Caller caller)
            throws IOException, InterruptedException {
        HttpRequest request = HttpRequest.newBuilder(URI.create("http://localhost:" + port + "/fhir/Patient"))
                .timeout(Duration.ofSeconds(60))
                .header("Content-Type", RawHttp.FHIR_JSON)
                .header("Content-Encoding", encoding)
                .header("Accept", RawHttp.FHIR_JSON)
                .header("Authorization", "Bearer " + caller.token())
                .POST(HttpRequest.BodyPublishers.ofByteArray(body))
                .build();
        return HTTP.send(request, HttpResponse.BodyHandlers.ofString());
    }

    private static String paddedPatient(String mrn, int size) {
        String json = json(TestData.patient(mrn));
        return json.substring(0, json.length() - 1) + " ".repeat(Math.max(0, size - json.length())) + "}";
    }

    private static String json(Patient patient) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(patient);
    }

    private static byte[] gzip(String text) throws IOException {
        return gzip(text.getBytes(StandardCharsets.UTF_8));
    }

    private static byte[] gzip(byte[] bytes) throws IOException {
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write(bytes);
        }
        return out.toByteArray();
    }

    private static byte[] gzipOfSpaces(long size) throws IOException {
        byte[] block = " ".repeat(1024 * 1024).getBytes(StandardCharsets.US_ASCII);
        ByteArrayOutputStream out = new ByteArrayOutputStream();
        try (GZIPOutputStream gz = new GZIPOutputStream(out)) {
            gz.write('{');
            for (long written = 0; written < size; written += block.length) {
                gz.write(block);
            }
        }
        return out.toByteArray();
    }
}
