package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.io.ByteArrayInputStream;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.nio.charset.StandardCharsets;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Named;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.MethodSource;
import org.junit.jupiter.params.provider.ValueSource;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Layer 4 over HTTP, with a VALID token (the EHR system may create Patients and Observations and run
 * transactions): oversize bundles and bodies, page sizes, include fan-out, XXE and malformed payloads. Each gets a
 * clear OperationOutcome without server internals, and nothing is stored.
 */
class AbuseIT extends AbstractFhirServerIT {

    /** {@code rehab.security.limits.*} as configured in application.yaml. */
    /** Person roles' limits (rehab.security.limits.max-bundle-entries, max-request-body). */
    private static final int MAX_BUNDLE_ENTRIES = 200;

    private static final int MAX_COUNT = 200;
    private static final int MAX_INCLUDES = 5;
    private static final int MAX_BODY_BYTES = 5 * 1024 * 1024;

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;
    private String patientRef;

    @BeforeEach
    void seed() {
        store = new StorageProbe(daoRegistry);
        patientRef = store.store(TestData.patient(TestData.uniqueMrn())).getValue();
    }

    // ------------------------------------------------------------------------------------------------ bundles

    @Test
    void transactionAboveTheEntryLimitIsRefusedAndStoresNothing() {
        String marker = UUID.randomUUID().toString();
        Bundle bundle = transactionOfObservations(MAX_BUNDLE_ENTRIES + 1, marker);

        HttpResponse<String> response = postAs(Caller.PHYSIO, "/fhir", encode(bundle));

        assertThat(response.statusCode()).isIn(400, 413);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void batchAboveTheEntryLimitIsRefusedToo() {
        String marker = UUID.randomUUID().toString();
        Bundle bundle =
                transactionOfObservations(MAX_BUNDLE_ENTRIES + 1, marker).setType(Bundle.BundleType.BATCH);

        HttpResponse<String> response = postAs(Caller.PHYSIO, "/fhir", encode(bundle));

        assertThat(response.statusCode()).isIn(400, 413);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    @Test
    void transactionAtTheEntryLimitIsAccepted() {
        String marker = UUID.randomUUID().toString();
        int entries = 20; // well inside the limit; the limit itself is pinned by the unit tests
        HttpResponse<String> response =
                postAs(Caller.PHYSIO, "/fhir", encode(transactionOfObservations(entries, marker)));

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        assertThat(store.countMarked("Observation", marker)).isEqualTo(entries);
    }

    // ------------------------------------------------------------------------------------------------ paging

    @Test
    void hugeCountIsRefusedWithAnOperationOutcome() {
        HttpResponse<String> response = get("/fhir/Observation?_count=100000");

        assertThat(response.statusCode()).isEqualTo(400);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).contains(String.valueOf(MAX_COUNT)).doesNotContain("searchset");
    }

    @ParameterizedTest(name = "_count={0}")
    @ValueSource(strings = {"-1", "abc", "99999999999999999999", "1e9"})
    void nonsenseCountIsRefused(String count) {
        HttpResponse<String> response = get("/fhir/Observation?_count=" + count);

        assertThat(response.statusCode()).isEqualTo(400);
        RawHttp.assertCleanOperationOutcome(response);
    }

    @Test
    void countAtTheLimitIsServed() {
        HttpResponse<String> response = get("/fhir/Observation?_count=" + MAX_COUNT);

        assertThat(response.statusCode()).isEqualTo(200);
        assertThat(response.body()).contains("searchset");
    }

    // ------------------------------------------------------------------------------------------------ includes

    static Stream<Named<String>> includeFanOut() {
        StringBuilder many = new StringBuilder("/fhir/Observation?subject:missing=false");
        for (int i = 0; i <= MAX_INCLUDES; i++) {
            many.append(i % 2 == 0 ? "&_include=Observation:subject" : "&_revinclude=Provenance:target");
        }
        return Stream.of(
                Named.of("more than " + MAX_INCLUDES + " _include/_revinclude", many.toString()),
                Named.of("_include=*", "/fhir/Observation?_include=*"),
                Named.of("_revinclude=*", "/fhir/Patient?_revinclude=*"),
                Named.of("_include:iterate=*", "/fhir/Observation?_include:iterate=*"),
                Named.of("_include=*:* (wildcard type)", "/fhir/Observation?_include=*:subject"));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("includeFanOut")
    void includeFanOutIsRefused(String url) {
        HttpResponse<String> response = get(url);

        assertThat(response.statusCode()).isEqualTo(400);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).doesNotContain("searchset");
    }

    @Test
    void aFewIncludesAreServed() {
        HttpResponse<String> response = get("/fhir/Observation?_include=Observation:subject&_count=5");

        assertThat(response.statusCode()).isEqualTo(200);
    }

    // ------------------------------------------------------------------------------------------------ XXE

    @Test
    void xxeFileEntityIsNotResolvedAndNothingIsStored() {
        String mrn = TestData.uniqueMrn();
        String xml = "<?xml version=\"1.0\"?>\n"
                + "<!DOCTYPE Patient [ <!ENTITY xxe SYSTEM \"file:///etc/passwd\"> ]>\n"
                + "<Patient xmlns=\"http://hl7.org/fhir\">"
                + "<identifier><system value=\"" + TestData.MRN_SYSTEM + "\"/><value value=\"" + mrn
                + "\"/></identifier>"
                + "<name><family value=\"&xxe;\"/></name></Patient>";

        HttpResponse<String> response = RawHttp.to(root())
                .post("/fhir/Patient", RawHttp.FHIR_XML, xml)
                .bearer(Caller.EHR.token())
                .send();

        assertThat(response.statusCode()).isBetween(400, 499);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).doesNotContain("root:").doesNotContain("/bin/");
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    @Test
    void xxeParameterEntityAndBillionLaughsAreRefused() {
        String mrn = TestData.uniqueMrn();
        String xml = "<?xml version=\"1.0\"?>\n"
                + "<!DOCTYPE Patient [ <!ENTITY % remote SYSTEM \"http://127.0.0.1:1/evil.dtd\"> %remote;"
                + " <!ENTITY a \"aaaaaaaaaa\"> <!ENTITY b \"&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;\">"
                + " <!ENTITY c \"&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;\"> <!ENTITY d \"&c;&c;&c;&c;&c;&c;&c;&c;&c;&c;\"> ]>\n"
                + "<Patient xmlns=\"http://hl7.org/fhir\">"
                + "<identifier><system value=\"" + TestData.MRN_SYSTEM + "\"/><value value=\"" + mrn
                + "\"/></identifier>"
                + "<name><family value=\"&d;\"/></name></Patient>";

        HttpResponse<String> response = RawHttp.to(root())
                .post("/fhir/Patient", RawHttp.FHIR_XML, xml)
                .bearer(Caller.EHR.token())
                .send();

        assertThat(response.statusCode()).isBetween(400, 499);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).doesNotContain("aaaaaaaaaaaaaaaaaaaa");
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    // ------------------------------------------------------------------------------------------------ malformed

    static Stream<Named<String[]>> malformedBodies() {
        return Stream.of(
                Named.of("truncated JSON", new String[] {
                    RawHttp.FHIR_JSON,
                    "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"%s\",\"value\":\"%s\"}],\"name\":["
                }),
                Named.of("JSON with a wrong type", new String[] {
                    RawHttp.FHIR_JSON,
                    "{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"%s\",\"value\":\"%s\"}],"
                            + "\"active\":\"maybe\"}"
                }),
                Named.of("JSON of an unknown resource type", new String[] {
                    RawHttp.FHIR_JSON,
                    "{\"resourceType\":\"Patientx\",\"identifier\":[{\"system\":\"%s\",\"value\":\"%s\"}]}"
                }),
                Named.of("JSON array instead of a resource", new String[] {
                    RawHttp.FHIR_JSON,
                    "[{\"resourceType\":\"Patient\",\"identifier\":[{\"system\":\"%s\",\"value\":\"%s\"}]}]"
                }),
                Named.of("truncated XML", new String[] {
                    RawHttp.FHIR_XML,
                    "<Patient xmlns=\"http://hl7.org/fhir\"><identifier><system value=\"%s\"/>"
                            + "<value value=\"%s\"/></identifier><name><family value=\"X\"/>"
                }),
                Named.of("XML in the wrong namespace", new String[] {
                    RawHttp.FHIR_XML,
                    "<Patient xmlns=\"http://example.org/not-fhir\"><identifier><system value=\"%s\"/>"
                            + "<value value=\"%s\"/></identifier></Patient>"
                }),
                Named.of("XML sent as JSON", new String[] {
                    RawHttp.FHIR_JSON,
                    "<Patient xmlns=\"http://hl7.org/fhir\"><identifier><system value=\"%s\"/>"
                            + "<value value=\"%s\"/></identifier></Patient>"
                }),
                Named.of("binary junk", new String[] {RawHttp.FHIR_JSON, "\u0000\u0001\u0002 %s %s \uFFFD"}));
    }

    @ParameterizedTest(name = "{0}")
    @MethodSource("malformedBodies")
    void malformedBodyGetsAClearOperationOutcomeAndStoresNothing(String[] contentTypeAndTemplate) {
        String mrn = TestData.uniqueMrn();
        String body = String.format(contentTypeAndTemplate[1], TestData.MRN_SYSTEM, mrn);

        HttpResponse<String> response = RawHttp.to(root())
                .post("/fhir/Patient", contentTypeAndTemplate[0], body)
                .bearer(Caller.EHR.token())
                .send();

        assertThat(response.statusCode()).as(response.body()).isBetween(400, 499);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    @Test
    void malformedTransactionStoresNothing() {
        String marker = UUID.randomUUID().toString();
        String json = encode(transactionOfObservations(3, marker));
        String broken = json.substring(0, json.length() - 40);

        HttpResponse<String> response = post("/fhir", broken);

        assertThat(response.statusCode()).isBetween(400, 499);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countMarked("Observation", marker)).isZero();
    }

    // ------------------------------------------------------------------------------------------------ body size

    @Test
    void bodyOverTheSizeLimitIs413BeforeParsing() {
        String mrn = TestData.uniqueMrn();
        String body = oversizePatient(mrn);

        HttpResponse<String> response = RawHttp.to(root())
                .post("/fhir/Patient", RawHttp.FHIR_JSON, body)
                .bearer(Caller.PHYSIO.token())
                .send();

        assertThat(response.statusCode()).isEqualTo(413);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    @Test
    void chunkedBodyOverTheSizeLimitIs413Too() throws Exception {
        String mrn = TestData.uniqueMrn();
        byte[] body = oversizePatient(mrn).getBytes(StandardCharsets.UTF_8);
        HttpRequest request = HttpRequest.newBuilder(URI.create(root() + "/fhir/Patient"))
                .header("Content-Type", RawHttp.FHIR_JSON)
                .header("Accept", RawHttp.FHIR_JSON)
                .header("Authorization", "Bearer " + Caller.PHYSIO.token())
                // no length known up front: sent chunked
                .POST(HttpRequest.BodyPublishers.ofInputStream(() -> new ByteArrayInputStream(body)))
                .build();

        HttpResponse<String> response = HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofString());

        assertThat(response.statusCode()).isEqualTo(413);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(store.countByIdentifier("Patient", TestData.MRN_SYSTEM, mrn)).isZero();
    }

    // ------------------------------------------------------------------------------------------------ helpers

    /** A valid Patient padded past the body limit with whitespace (valid JSON, so only the size is wrong). */
    private static String oversizePatient(String mrn) {
        Patient patient = TestData.patient(mrn);
        String json = CLIENT_CONTEXT.newJsonParser().encodeResourceToString(patient);
        return json.substring(0, json.length() - 1) + " ".repeat(MAX_BODY_BYTES + 1024) + "}";
    }

    private Bundle transactionOfObservations(int entries, String marker) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < entries; i++) {
            Observation observation = TestData.timedUpAndGo(patientRef, 10 + i % 11, "2025-03-03");
            observation.addIdentifier(
                    new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker));
            bundle.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(observation)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        return bundle;
    }

    private static String encode(Bundle bundle) {
        return CLIENT_CONTEXT.newJsonParser().encodeResourceToString(bundle);
    }

    /** The limits of person roles (EHR systems have their own: IngestLimitsIT). */
    private HttpResponse<String> postAs(Caller caller, String path, String json) {
        return RawHttp.to(root())
                .post(path, RawHttp.FHIR_JSON, json)
                .bearer(caller.token())
                .send();
    }

    private HttpResponse<String> post(String path, String json) {
        return RawHttp.to(root())
                .post(path, RawHttp.FHIR_JSON, json)
                .bearer(Caller.EHR.token())
                .send();
    }

    private HttpResponse<String> get(String path) {
        return RawHttp.to(root()).get(path).bearer(Caller.EHR.token()).send();
    }

    private String root() {
        return "http://localhost:" + port;
    }
}
