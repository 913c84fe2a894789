package org.rehabfhir.server.ingest;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.UUID;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;

/**
 * Limits by caller class: EHR systems send whole patient records (20,000 entries, 64 MB by default), persons keep
 * the tight limits (200 entries, 5 MB). Every 413 names the limit and what to do instead.
 */
class IngestLimitsIT extends AbstractFhirServerIT {

    static final String MARKER = "http://rehab-fhir.org/fhir/sid/test-marker";

    /** A patient's record: the Patient and {@code observations} Observations referencing it by its fullUrl. */
    static Bundle record(int observations, String marker) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        String patient = "urn:uuid:" + UUID.randomUUID();
        bundle.addEntry()
                .setFullUrl(patient)
                .setResource(TestData.patient(TestData.uniqueMrn()))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Patient");
        for (int i = 0; i < observations; i++) {
            Observation observation = TestData.timedUpAndGo(patient, 10 + i % 11, "2025-03-03");
            observation.addIdentifier(new Identifier().setSystem(MARKER).setValue(marker));
            bundle.addEntry()
                    .setFullUrl("urn:uuid:" + UUID.randomUUID())
                    .setResource(observation)
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        return bundle;
    }

    private int storedWithMarker(String marker) {
        return ehr().search()
                .byUrl("Observation?identifier=" + MARKER + "|" + marker + "&_summary=count")
                .returnBundle(Bundle.class)
                .execute()
                .getTotal();
    }

    private BundlePoster.Response post(Bundle bundle, java.util.function.Supplier<String> token) {
        return new BundlePoster(baseUrl(), token)
                .post(CLIENT_CONTEXT.newJsonParser().encodeResourceToString(bundle));
    }

    @Test
    void aPersonsBundleOf201EntriesIs413NamingTheLimitAndStoresNothing() {
        String marker = UUID.randomUUID().toString();

        // alice may create Observations, and the Patient entry is refused anyway: the entry limit answers first
        BundlePoster.Response response = post(record(200, marker), () -> Tokens.user("alice"));

        assertThat(response.status()).isEqualTo(413);
        assertThat(diagnostics(response))
                .contains("Bundle has 201 entries, the maximum is 200")
                .contains("several transaction Bundles")
                .doesNotContain("EHR");
        assertThat(storedWithMarker(marker)).isZero();
    }

    @Test
    void anEhrBundleAboveItsLimitIs413NamingTheLimitAndTheWayToSendIt() {
        String marker = UUID.randomUUID().toString();

        BundlePoster.Response response = post(record(20_000, marker), Tokens::ehr);

        assertThat(response.status()).isEqualTo(413);
        assertThat(diagnostics(response))
                .contains("Bundle has 20001 entries, the maximum is 20000 for EHR systems")
                .contains("rehab.security.limits.ehr-system.max-bundle-entries")
                .contains("several transaction Bundles");
        assertThat(storedWithMarker(marker)).isZero();
    }

    @Test
    void anEhrRecordOfThousandsOfEntriesAndMoreThanFiveMegabytesIsStoredWholeAPersonsIsNot() {
        // 7,000 Observations: more than 5 MB of JSON, above the persons' limits, within the EHR systems' 64 MB
        String marker = UUID.randomUUID().toString();
        Bundle bundle = record(7_000, marker);
        String json = CLIENT_CONTEXT.newJsonParser().setPrettyPrint(true).encodeResourceToString(bundle);
        assertThat(json.length()).isGreaterThan(5 * 1024 * 1024);

        BundlePoster.Response person = new BundlePoster(baseUrl(), () -> Tokens.user("alice")).post(json);
        BundlePoster.Response ehr = new BundlePoster(baseUrl(), Tokens::ehr).post(json);

        assertThat(person.status()).isEqualTo(413);
        assertThat(diagnostics(person)).contains("larger than the limit of 5242880 bytes");
        assertThat(ehr.status()).as(SyntheaIngestIT.abbreviate(ehr.body())).isEqualTo(200);
        assertThat(storedWithMarker(marker)).isEqualTo(7_000);
    }

    @Test
    void anInvalidEntryOfALargeRecordIs422NamingTheEntryAndNothingIsStored() {
        String marker = UUID.randomUUID().toString();
        Bundle bundle = record(1_500, marker);
        // entry 1000: an Observation without its required code (each entry is validated on its own, in linear time)
        ((Observation) bundle.getEntry().get(1_000).getResource()).setCode(null);

        BundlePoster.Response response = post(bundle, Tokens::ehr);

        assertThat(response.status()).isEqualTo(422);
        OperationOutcome oo = CLIENT_CONTEXT.newJsonParser().parseResource(OperationOutcome.class, response.body());
        assertThat(oo.getIssue()).anySatisfy(issue -> {
            assertThat(issue.getSeverity()).isEqualTo(OperationOutcome.IssueSeverity.ERROR);
            assertThat(issue.getLocation().get(0).getValue()).startsWith("Bundle.entry[1000].resource");
        });
        assertThat(storedWithMarker(marker)).isZero();
    }

    private static String diagnostics(BundlePoster.Response response) {
        return CLIENT_CONTEXT
                .newJsonParser()
                .parseResource(OperationOutcome.class, response.body())
                .getIssueFirstRep()
                .getDiagnostics();
    }
}
