package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.util.VersionUtil;
import java.net.http.HttpResponse;
import java.util.List;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;

/**
 * Finding 17 (issue 10): no response names the HAPI FHIR version (the {@code X-Powered-By} banner is gone), for
 * anonymous, authenticated and refused requests alike.
 */
class VersionBannerIT extends AbstractFhirServerIT {

    @Test
    void noResponseCarriesTheLibraryVersionBanner() {
        String root = "http://localhost:" + port;
        List<HttpResponse<String>> responses = List.of(
                RawHttp.to(root).get("/fhir/metadata").send(),
                RawHttp.to(root)
                        .get("/fhir/Patient?_count=1")
                        .bearer(Caller.EHR.token())
                        .send(),
                RawHttp.to(root)
                        .get("/fhir/AuditEvent?_count=1")
                        .bearer(Caller.EHR.token())
                        .send(),
                RawHttp.to(root).get("/fhir/Patient").send());

        for (HttpResponse<String> response : responses) {
            assertThat(response.headers().allValues("X-Powered-By"))
                    .as("X-Powered-By of %s", response.uri())
                    .isEmpty();
            assertThat(response.headers().map().values().toString()).doesNotContain(VersionUtil.getVersion());
        }
    }
}
