package org.rehabfhir.server.careteam;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.rehabfhir.auth.authorization.CareTeamPatientLookup;
import org.springframework.stereotype.Component;

/**
 * The patients a practitioner may reach when CareTeam narrowing is on, read from the FHIR store as the server (not
 * as the caller):
 * <ul>
 *   <li>the subjects of the active CareTeams in which the practitioner is a participant (her caseload);</li>
 *   <li>the subjects of the active referrals (ServiceRequest, status active) addressed to her or to one of her
 *       departments ({@link Departments}): she must be able to read a referred patient to accept the referral
 *       ({@code ServiceRequest/{id}/$accept}).</li>
 * </ul>
 */
@Component
public class CareTeamPatients implements CareTeamPatientLookup {

    private final DaoRegistry daoRegistry;
    private final Departments departments;

    public CareTeamPatients(DaoRegistry daoRegistry, Departments departments) {
        this.daoRegistry = daoRegistry;
        this.departments = departments;
    }

    @Override
    public Set<String> patientIdsFor(String practitionerRef) {
        if (practitionerRef == null || practitionerRef.isBlank()) {
            return Set.of();
        }
        Set<String> patients = new LinkedHashSet<>();
        SearchParameterMap teams = SearchParameterMap.newSynchronous()
                .add(CareTeam.SP_PARTICIPANT, new ReferenceParam(practitionerRef))
                .add(CareTeam.SP_STATUS, new TokenParam("active"));
        daoRegistry
                .getResourceDao(CareTeam.class)
                .searchForResources(teams, new SystemRequestDetails())
                .forEach(resource -> addPatient(patients, ((CareTeam) resource).getSubject()));
        activeReferralsTo(practitionerRef).forEach(referral -> addPatient(patients, referral.getSubject()));
        return patients;
    }

    /** Active referrals whose performer is the practitioner or one of her departments. */
    public List<ServiceRequest> activeReferralsTo(String practitionerRef) {
        ReferenceOrListParam performers = new ReferenceOrListParam().addOr(new ReferenceParam(practitionerRef));
        departments.of(practitionerRef).forEach(org -> performers.addOr(new ReferenceParam(org)));
        SearchParameterMap referrals = SearchParameterMap.newSynchronous()
                .add(ServiceRequest.SP_PERFORMER, performers)
                .add(ServiceRequest.SP_STATUS, new TokenParam("active"));
        return daoRegistry
                .getResourceDao(ServiceRequest.class)
                .searchForResources(referrals, new SystemRequestDetails())
                .stream()
                .map(ServiceRequest.class::cast)
                .toList();
    }

    private static void addPatient(Set<String> patients, Reference subject) {
        if ("Patient".equals(subject.getReferenceElement().getResourceType())) {
            patients.add(
                    subject.getReferenceElement().toUnqualifiedVersionless().getValue());
        }
    }
}
