package org.rehabfhir.auth.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** With CareTeam narrowing, an operation may only be about the caller's CareTeam patients. */
class CareTeamOperationGuardInterceptorTest {

    final Callers.Current current = new Callers.Current();
    final CareTeamScope scope = new CareTeamScope(
            true, practitioner -> "Practitioner/alice".equals(practitioner) ? Set.of("p1") : Set.of());
    final Map<String, IBaseResource> stored = Map.of(
            "CarePlan/mine",
                    new CarePlan().setSubject(new Reference("Patient/p1")).setId("CarePlan/mine"),
            "CarePlan/theirs",
                    new CarePlan().setSubject(new Reference("Patient/p3")).setId("CarePlan/theirs"),
            "CarePlan/authored", authoredPlan(),
            "ServiceRequest/to-dept",
                    new org.hl7.fhir.r4.model.ServiceRequest()
                            .setSubject(new Reference("Patient/p1"))
                            .addPerformer(new Reference("Organization/dept"))
                            .setId("ServiceRequest/to-dept"));

    private static CarePlan authoredPlan() {
        CarePlan plan =
                new CarePlan().setSubject(new Reference("Patient/p1")).setAuthor(new Reference("Practitioner/alice"));
        plan.addActivity().getDetail().addPerformer(new Reference("Practitioner/alice"));
        plan.setId("CarePlan/authored");
        return plan;
    }

    final CareTeamOperationGuardInterceptor guard = new CareTeamOperationGuardInterceptor(
            scope,
            id -> Optional.ofNullable(stored.get(id.toUnqualifiedVersionless().getValue())),
            current);

    @Test
    void patientInstanceOperationsOnlyForTheTeamsPatients() {
        current.set(Callers.alice());
        assertThat(allowed(instance("Patient/p1", "$recommend-regimens"))).isTrue();
        assertThat(allowed(instance("Patient/p3", "$recommend-regimens"))).isFalse();
    }

    @Test
    void compartmentInstancesAreLookedUp() {
        current.set(Callers.alice());
        assertThat(allowed(instance("CarePlan/mine", "$evaluate-progress"))).isTrue();
        assertThat(allowed(instance("CarePlan/theirs", "$evaluate-progress"))).isFalse();
        assertThat(allowed(instance("CarePlan/missing", "$evaluate-progress"))).isFalse();
        CareTeamOperationGuardInterceptor blind = new CareTeamOperationGuardInterceptor(scope, null, current);
        assertThat(allowed(blind, instance("CarePlan/mine", "$evaluate-progress")))
                .isFalse();
    }

    @Test
    void practitionerAndOrganizationReferencesAreNotPatients() {
        // HAPI's terser lists a plan's performer and a referral's performer as compartment owners too
        current.set(Callers.alice());
        assertThat(allowed(instance("CarePlan/authored", "$activate"))).isTrue();
        assertThat(allowed(instance("ServiceRequest/to-dept", "$accept"))).isTrue();
    }

    @Test
    void patientParametersMustBeTheTeamsPatients() {
        current.set(Callers.alice());
        ServletRequestDetails query = instance("PlanDefinition/bw", "$apply");
        query.setParameters(Map.of("subject", new String[] {"Patient/p3"}));
        assertThat(allowed(query)).isFalse();
        query.setParameters(Map.of("subject", new String[] {"p3"}));
        assertThat(allowed(query)).isFalse();
        query.setParameters(Map.of("subject", new String[] {"Patient/p1"}));
        assertThat(allowed(query)).isTrue();

        ServletRequestDetails body = instance("PlanDefinition/bw", "$apply");
        body.setResource(new Parameters().addParameter("subject", new StringType("http://x/fhir/Patient/p3")));
        assertThat(allowed(body)).isFalse();
        body.setResource(new Parameters().addParameter("subject", new StringType("p3")));
        assertThat(allowed(body)).isFalse();
        body.setResource(new Parameters().addParameter("subject", new Reference("Patient/p1")));
        assertThat(allowed(body)).isTrue();
    }

    @Test
    void callersWhoAreNotNarrowedAreNotChecked() {
        current.set(Callers.audrey());
        assertThat(allowed(instance("Patient/p3", "$access-log"))).isTrue();
        current.set(Callers.hospital());
        assertThat(allowed(instance("CarePlan/theirs", "$evaluate-progress"))).isTrue();
    }

    private boolean allowed(ServletRequestDetails request) {
        return allowed(guard, request);
    }

    private static boolean allowed(CareTeamOperationGuardInterceptor interceptor, ServletRequestDetails request) {
        try {
            interceptor.check(request, request.getRestOperationType());
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    private static ServletRequestDetails instance(String id, String operation) {
        IdType idType = new IdType(id);
        ServletRequestDetails request = SmartAuthorizationInterceptorTest.request(
                RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, idType.getResourceType());
        request.setId(idType);
        request.setOperation(operation);
        request.setRequestType(RequestTypeEnum.POST);
        request.setParameters(new HashMap<>());
        return request;
    }
}
