package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import java.net.http.HttpResponse;
import java.util.UUID;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Finding 15 (issue 10): {@code $rehab-outcomes?condition=<code>} filters on Conditions the auditor may not read, so
 * it answers aggregate counts only, with a minimum cell size of 5: a regimen (or measure) with 1 to 4 such patients
 * shows {@code suppressed=true} and no counts; with 5 or more, the counts.
 */
class OutcomesMinimumCellIT extends AbstractFhirServerIT {

    private static final String SYSTEM = "http://rehab-fhir.org/fhir/CodeSystem/test-rare-condition";

    @Autowired
    private DaoRegistry daoRegistry;

    @Autowired
    private ProtocolCatalogue catalogue;

    @Test
    void aSinglePatientWithARareConditionIsNotRecognisable() {
        String code = UUID.randomUUID().toString();
        String regimen = seed(code, 1);

        Parameters answer = outcomes(code);

        Parameters.ParametersParameterComponent r = regimen(answer, regimen);
        assertThat(r.getPart()).anyMatch(p -> p.getName().equals("suppressed"));
        assertThat(r.getPart())
                .noneMatch(p -> p.getName().equals("patients") || p.getName().equals("carePlans"));
    }

    @Test
    void fiveOrMorePatientsAreCounted() {
        String code = UUID.randomUUID().toString();
        String regimen = seed(code, 5);

        Parameters.ParametersParameterComponent r = regimen(outcomes(code), regimen);

        assertThat(r.getPart()).noneMatch(p -> p.getName().equals("suppressed"));
        assertThat(r.getPart())
                .anyMatch(p -> p.getName().equals("patients")
                        && "5".equals(p.getValue().primitiveValue()));
    }

    private String seed(String code, int patients) {
        StorageProbe store = new StorageProbe(daoRegistry);
        String regimen = catalogue.planDefinitions().get(0).getUrl();
        for (int i = 0; i < patients; i++) {
            String patient = store.store(TestData.patient(TestData.uniqueMrn())).getValue();
            Condition condition = TestData.kneeOsteoarthritis(patient);
            condition.setCode(new CodeableConcept(new Coding(SYSTEM, code, "rare")));
            store.store(condition);
            CarePlan plan = TestData.carePlan(patient, CarePlan.CarePlanStatus.ACTIVE);
            plan.addInstantiatesCanonical(regimen);
            // no screen on record: an active catalogue plan carries the clinician's override
            org.rehabfhir.protocols.apply.PlanApplier.setOverrideReason(
                    plan, "screened on paper; cell sizes tested here");
            plan.setSubject(new Reference(patient));
            store.store(plan);
        }
        return regimen;
    }

    private Parameters outcomes(String code) {
        HttpResponse<String> response = RawHttp.to("http://localhost:" + port)
                .bearer(Caller.AUDITOR.token())
                .get("/fhir/$rehab-outcomes?condition=" + SYSTEM + "|" + code)
                .send();
        assertThat(response.statusCode()).as(response.body()).isEqualTo(200);
        return CLIENT_CONTEXT.newJsonParser().parseResource(Parameters.class, response.body());
    }

    private static Parameters.ParametersParameterComponent regimen(Parameters answer, String canonical) {
        return answer.getParameter().stream()
                .filter(p -> p.getName().equals("regimen"))
                .filter(p -> p.getPart().stream()
                        .anyMatch(x -> x.getName().equals("canonical")
                                && canonical.equals(x.getValue().primitiveValue())))
                .findFirst()
                .orElseThrow(() -> new AssertionError("no regimen " + canonical + " in the answer"));
    }
}
