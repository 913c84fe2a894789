package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.http.HttpResponse;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CarePlan;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.devservices.TokenClient;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 8 (issue 10): {@code _revinclude} and conditional PATCH are searches of their type and need {@code s}.
 * alice with a token granting {@code user/Patient.rs user/CarePlan.cru} (CarePlan read and write, no search) may
 * neither pull CarePlans in with {@code Patient?_revinclude=CarePlan:subject} nor patch "the CarePlan matching
 * ?subject=..." (whose 400/404 answer tells whether there is a match, and which writes to the match): 403, nothing
 * changed. With CarePlan search, {@code _revinclude} works.
 */
class SearchRightForRevincludeAndPatchIT extends AbstractFhirServerIT {

    private static IIdType patient;
    private static IIdType plan;

    @Autowired
    private DaoRegistry daoRegistry;

    private StorageProbe store;

    @BeforeEach
    void seed() {
        store = new StorageProbe(daoRegistry);
        synchronized (SearchRightForRevincludeAndPatchIT.class) {
            if (patient == null) {
                patient = store.store(TestData.patient(TestData.uniqueMrn()));
                plan = store.store(TestData.carePlan(patient.getValue(), CarePlan.CarePlanStatus.ACTIVE));
            }
        }
    }

    @Test
    void revincludeNeedsSearchOnTheIncludedType() {
        HttpResponse<String> response = as(readWriteNoSearch())
                .get("/fhir/Patient?_id=" + patient.getIdPart() + "&_revinclude=CarePlan:subject")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(response);
        assertThat(response.body()).doesNotContain("CarePlan/" + plan.getIdPart());
    }

    @Test
    void iteratedRevincludeNeedsSearchToo() {
        HttpResponse<String> response = as(readWriteNoSearch())
                .get("/fhir/Patient?_id=" + patient.getIdPart() + "&_revinclude:iterate=CarePlan:subject")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(403);
        assertThat(response.body()).doesNotContain("CarePlan/" + plan.getIdPart());
    }

    @Test
    void revincludeWorksWithSearchOnTheIncludedType() {
        String token = keycloak()
                .tokens()
                .password(TokenClient.ALICE, TokenClient.ALICE_PASSWORD, "openid user/Patient.rs user/Observation.rs")
                .accessToken();

        HttpResponse<String> response = as(token)
                .get("/fhir/Patient?_id=" + patient.getIdPart() + "&_revinclude=Observation:subject")
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    @Test
    void conditionalPatchNeedsSearchAndWritesNothing() {
        String before = store.version(plan);
        String patch = "[{\"op\":\"replace\",\"path\":\"/title\",\"value\":\"patched through a search\"}]";

        HttpResponse<String> matching = as(readWriteNoSearch())
                .patch("/fhir/CarePlan?subject=" + patient.getValue(), "application/json-patch+json", patch)
                .send();
        HttpResponse<String> notMatching = as(readWriteNoSearch())
                .patch("/fhir/CarePlan?subject=Patient/does-not-exist", "application/json-patch+json", patch)
                .send();

        assertThat(matching.statusCode()).as(matching.body()).isEqualTo(403);
        assertThat(notMatching.statusCode())
                .as("same answer whether or not a plan matches")
                .isEqualTo(403);
        RawHttp.assertCleanOperationOutcome(matching);
        assertThat(store.version(plan)).isEqualTo(before);
    }

    @Test
    void patchByIdStillWorksWithoutSearch() {
        String patch = "[{\"op\":\"replace\",\"path\":\"/title\",\"value\":\"patched by id\"}]";

        HttpResponse<String> response = as(readWriteNoSearch())
                .patch("/fhir/CarePlan/" + plan.getIdPart(), "application/json-patch+json", patch)
                .send();

        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
    }

    private static String readWriteNoSearch() {
        return keycloak()
                .tokens()
                .password(TokenClient.ALICE, TokenClient.ALICE_PASSWORD, "openid user/Patient.rs user/CarePlan.cru")
                .accessToken();
    }

    private RawHttp as(String token) {
        return RawHttp.to("http://localhost:" + port).bearer(token);
    }
}
