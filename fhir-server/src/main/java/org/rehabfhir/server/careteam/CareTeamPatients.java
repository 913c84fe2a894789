package org.rehabfhir.server.careteam;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.CareTeam;
import org.rehabfhir.auth.authorization.CareTeamPatientLookup;
import org.springframework.stereotype.Component;

/**
 * The patients a practitioner may reach when CareTeam narrowing is on: the subjects of the active CareTeams in
 * which the practitioner is a participant. Read from the FHIR store itself, as the server (not as the caller).
 */
@Component
public class CareTeamPatients implements CareTeamPatientLookup {

	private final DaoRegistry daoRegistry;

	public CareTeamPatients(DaoRegistry daoRegistry) {
		this.daoRegistry = daoRegistry;
	}

	@Override
	public Set<String> patientIdsFor(String practitionerRef) {
		if (practitionerRef == null || practitionerRef.isBlank()) {
			return Set.of();
		}
		IFhirResourceDao<CareTeam> dao = daoRegistry.getResourceDao(CareTeam.class);
		SearchParameterMap params = SearchParameterMap.newSynchronous()
				.add(CareTeam.SP_PARTICIPANT, new ReferenceParam(practitionerRef))
				.add(CareTeam.SP_STATUS, new TokenParam("active"));
		Set<String> patients = new LinkedHashSet<>();
		dao.searchForResources(params, new SystemRequestDetails()).forEach(resource -> {
			CareTeam team = (CareTeam) resource;
			if (team.getSubject().getReferenceElement().getResourceType() != null
					&& team.getSubject().getReferenceElement().getResourceType().equals("Patient")) {
				patients.add(team.getSubject().getReferenceElement().toUnqualifiedVersionless().getValue());
			}
		});
		return patients;
	}
}
