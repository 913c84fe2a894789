package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.support.TestData.*;

import java.net.http.HttpResponse;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.CarePlan;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;
import org.springframework.jdbc.core.JdbcTemplate;

/**
 * The requests the fuzz run ({@link FuzzIT}, seed 20261201, 10,000 requests) answered 500, each reduced to its
 * smallest form: each must be a 4xx OperationOutcome naming no class of the server, and store nothing.
 */
class FuzzFindingsIT extends AbstractFhirServerIT {

    private static final String JSON = "application/fhir+json";

    @Autowired
    DataSource dataSource;

    @Test
    void aTransactionEntryWithoutAResourceIsRefused() {
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                "",
                JSON,
                "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":"
                        + "\"urn:uuid:5b0e3a3c-7c1f-4d59-9f3e-0d6f0c2f0a11\",\"request\":{\"method\":\"POST\","
                        + "\"url\":\"Patient\"}}]}",
                "ehr"));
        // the fuzz run's form: the entry's resource lost its resourceType
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                "",
                JSON,
                "{\"resourceType\":\"Bundle\",\"type\":\"transaction\",\"entry\":[{\"fullUrl\":"
                        + "\"urn:uuid:5b0e3a3c-7c1f-4d59-9f3e-0d6f0c2f0a12\",\"resource\":{\"active\":true},"
                        + "\"request\":{\"method\":\"POST\",\"url\":\"Patient\"}}]}",
                "ehr"));
    }

    @Test
    void anIdSearchValueThatIsNoIdIsRefused() {
        assertRefusedCleanly(new FuzzIT.Case("GET", "CarePlan?_id=urn%3Auuid%3A", null, null, "ehr"));
        assertRefusedCleanly(new FuzzIT.Case("GET", "Patient?_id=urn%3Auuid%3Ax", null, null, "ehr"));
    }

    @Test
    void aJsonPatchWithoutABodyIsRefused() {
        String patient =
                ehr().create().resource(patient(uniqueMrn())).execute().getId().getIdPart();
        assertRefusedCleanly(new FuzzIT.Case("PATCH", "Patient/" + patient, "application/json-patch+json", "", "ehr"));
    }

    @Test
    void anXmlCodingWithTwoCodesIsRefused() {
        String observation = CLIENT_CONTEXT
                .newXmlParser()
                .encodeResourceToString(timedUpAndGo("Patient/demo-knee-oa", 12.0, "2026-05-05T10:00:00Z"))
                .replace("<code value=\"exam\"/>", "<code value=\"exam\"/><code value=\"exam\"/>");
        assertThat(observation).contains("<code value=\"exam\"/><code value=\"exam\"/>");
        assertRefusedCleanly(new FuzzIT.Case("POST", "Observation", "application/fhir+xml", observation, "ehr"));
    }

    @Test
    void aCarePlanReferenceWithoutAResourceTypeIsRefused() {
        String plan = CLIENT_CONTEXT
                .newJsonParser()
                .encodeResourceToString(carePlan("Patient/demo-knee-oa", CarePlan.CarePlanStatus.DRAFT));
        for (String reference : new String[] {"demo-knee-oa", "/demo-knee-oa", "Patient/", "_history/1"}) {
            assertRefusedCleanly(new FuzzIT.Case(
                    "POST", "CarePlan", JSON, plan.replace("Patient/demo-knee-oa", reference), "alice"));
        }
    }

    @Test
    void anIntegerThatIsNoNumberIsRefusedWithoutTheParsersClassName() {
        String path = "PlanDefinition/" + storedPlanDefinitionId("bw-knee-osteoarthritis") + "/$apply";
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                path,
                JSON,
                "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"subject\",\"valueInteger\":\"NaN\"}]}",
                "alice"));
    }

    /** Extensions that are no objects: HAPI's lenient parser keeps empty extensions of them. */
    @Test
    void malformedExtensionsAreRefused() {
        String path = "PlanDefinition/" + storedPlanDefinitionId("bw-knee-osteoarthritis") + "/$apply";
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                path,
                JSON,
                "{\"resourceType\":\"Parameters\",\"parameter\":{\"extension\":[[-997]]}}",
                "alice"));
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                path,
                JSON,
                "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"subject\",\"valueString\":"
                        + "\"Patient/demo-knee-oa\",\"id\":{\"extension\":[\"0000-00-00\"]}},{\"name\":\"start\","
                        + "\"valueDate\":\"2026-05-04\"}]}",
                "alice"));
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                "CarePlan",
                JSON,
                "{\"resourceType\":\"CarePlan\",\"status\":\"draft\",\"intent\":\"plan\",\"subject\":"
                        + "{\"extension\":[\"&amp;\"]},\"period\":{\"start\":\"2026-12-01T18:21:54+00:00\"}}",
                "alice"));
    }

    /** A parameter carrying only an extension has no value: a missing subject is 400, a missing start is today. */
    @Test
    void applyParametersWithoutValuesCountAsAbsent() {
        String path = "PlanDefinition/" + storedPlanDefinitionId("bw-knee-osteoarthritis") + "/$apply";
        String noValue = "{\"extension\":[{\"url\":\"http://example.org/x\",\"valueString\":\"x\"}]}";
        String subject = "{\"name\":\"subject\",\"valueString\":\"Patient/demo-knee-oa\"}";
        assertRefusedCleanly(new FuzzIT.Case(
                "POST",
                path,
                JSON,
                "{\"resourceType\":\"Parameters\",\"parameter\":[{\"name\":\"subject\",\"_valueString\":" + noValue
                        + "}]}",
                "alice"));
        for (String parameter : new String[] {"start\",\"_valueDate", "practitioner\",\"_valueString"}) {
            HttpResponse<String> response = answered(new FuzzIT.Case(
                    "POST",
                    path,
                    JSON,
                    "{\"resourceType\":\"Parameters\",\"parameter\":[" + subject + ",{\"name\":\"" + parameter + "\":"
                            + noValue + "}]}",
                    "alice"));
            assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
            assertThat(response.body()).contains("\"resourceType\": \"CarePlan\"");
        }
    }

    private void assertRefusedCleanly(FuzzIT.Case request) {
        HttpResponse<String> response = answered(request);
        assertThat(response.statusCode()).as(request + ": " + response.body()).isBetween(400, 499);
        assertThat(response.body()).contains("OperationOutcome");
    }

    /** The answer, checked: no server internals in it, nothing stored by the request (none of these stores). */
    private HttpResponse<String> answered(FuzzIT.Case request) {
        JdbcTemplate jdbc = new JdbcTemplate(dataSource);
        String before = FuzzIT.watermark(jdbc);
        HttpResponse<String> response = FuzzIT.send(baseUrl(), request);

        assertThat(response).as("an answer to " + request).isNotNull();
        String body = response.body();
        assertThat(FuzzIT.LEAK.matcher(body).find())
                .as("server internals in " + body)
                .isFalse();
        assertThat(body).doesNotContain("java.lang.").doesNotContain("Exception");
        assertThat(FuzzIT.watermark(jdbc)).as("nothing stored").isEqualTo(before);
        return response;
    }
}
