package org.rehabfhir.auth.limits;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.EncodingEnum;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;

class BundleEntryCounterTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();

    static Bundle transaction(int entries) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < entries; i++) {
            bundle.addEntry()
                    .setResource(new Observation().setStatus(Observation.ObservationStatus.FINAL))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        return bundle;
    }

    static int count(EncodingEnum encoding, Bundle bundle) {
        String body = encoding.newParser(FHIR).encodeResourceToString(bundle);
        return BundleEntryCounter.count(encoding, body.getBytes(StandardCharsets.UTF_8), StandardCharsets.UTF_8);
    }

    @Test
    void countsTheTopLevelEntriesOfJsonAndXml() {
        assertThat(count(EncodingEnum.JSON, transaction(1234))).isEqualTo(1234);
        assertThat(count(EncodingEnum.XML, transaction(321))).isEqualTo(321);
        assertThat(count(EncodingEnum.JSON, transaction(0))).isZero();
    }

    @Test
    void entriesOfABundleInsideAnEntryAreNotCounted() {
        Bundle outer = transaction(2);
        outer.addEntry()
                .setResource(transaction(50))
                .getRequest()
                .setMethod(Bundle.HTTPVerb.POST)
                .setUrl("Bundle");
        assertThat(count(EncodingEnum.JSON, outer)).isEqualTo(3);
        assertThat(count(EncodingEnum.XML, outer)).isEqualTo(3);
    }

    @Test
    void anUnreadableBodyIsLeftToHapi() {
        byte[] broken = "{\"resourceType\":\"Bundle\",\"entry\":[{".getBytes(StandardCharsets.UTF_8);
        assertThat(BundleEntryCounter.count(EncodingEnum.JSON, broken, StandardCharsets.UTF_8))
                .isEqualTo(-1);
        byte[] doctype = "<!DOCTYPE x [<!ENTITY e SYSTEM \"file:///etc/passwd\">]><Bundle>&e;</Bundle>"
                .getBytes(StandardCharsets.UTF_8);
        assertThat(BundleEntryCounter.count(EncodingEnum.XML, doctype, StandardCharsets.UTF_8))
                .isEqualTo(-1);
    }
}
