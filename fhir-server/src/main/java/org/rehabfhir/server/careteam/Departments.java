package org.rehabfhir.server.careteam;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.LinkedHashSet;
import java.util.Set;
import org.hl7.fhir.r4.model.PractitionerRole;
import org.springframework.stereotype.Component;

/**
 * A practitioner's departments: the Organizations of her active PractitionerRoles (as {@code Organization/<id>}).
 * A referral ({@code ServiceRequest.performer}) may name the department instead of one physiotherapist.
 */
@Component
public class Departments {

    private final DaoRegistry daoRegistry;

    public Departments(DaoRegistry daoRegistry) {
        this.daoRegistry = daoRegistry;
    }

    public Set<String> of(String practitionerRef) {
        SearchParameterMap roles = SearchParameterMap.newSynchronous()
                .add(PractitionerRole.SP_PRACTITIONER, new ReferenceParam(practitionerRef))
                .add(PractitionerRole.SP_ACTIVE, new TokenParam("true"));
        Set<String> organizations = new LinkedHashSet<>();
        daoRegistry
                .getResourceDao(PractitionerRole.class)
                .searchForResources(roles, new SystemRequestDetails())
                .forEach(resource -> {
                    PractitionerRole role = (PractitionerRole) resource;
                    if (role.getOrganization().getReferenceElement().hasIdPart()) {
                        organizations.add("Organization/"
                                + role.getOrganization().getReferenceElement().getIdPart());
                    }
                });
        return organizations;
    }
}
