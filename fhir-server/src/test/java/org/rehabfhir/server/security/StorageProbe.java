package org.rehabfhir.server.security;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.server.support.TestData;

/**
 * Looks at (and seeds) the FHIR store directly, as the server and not as a caller, so that a test can set up data no
 * caller may write and can check that a refused request stored or changed nothing, whatever the caller's rights.
 * Goes through the DAOs with a {@link SystemRequestDetails}: no REST layer, no authorization interceptor.
 */
final class StorageProbe {

    /** Identifier system of the marker that lets a test find what a request stored. */
    static final String MARKER_SYSTEM = "http://rehab-fhir.org/fhir/sid/security-it-marker";

    private final DaoRegistry daos;

    StorageProbe(DaoRegistry daos) {
        this.daos = daos;
    }

    /** Stores {@code resource} (with a server-assigned id, or its own id if it has one) and returns its id. */
    @SuppressWarnings({"unchecked", "rawtypes"})
    IIdType store(IBaseResource resource) {
        IFhirResourceDao dao = daos.getResourceDao(resource.getClass());
        if (resource.getIdElement().hasIdPart()) {
            return dao.update(resource, new SystemRequestDetails()).getId().toUnqualifiedVersionless();
        }
        return dao.create(resource, new SystemRequestDetails()).getId().toUnqualifiedVersionless();
    }

    /**
     * Stores {@code Practitioner/alice} and a new patient whose active CareTeam names her (so that alice, narrowed,
     * reaches that patient); returns the patient's id.
     */
    IIdType patientOfAlicesCareTeam() {
        Practitioner alice = new Practitioner();
        alice.setId("Practitioner/alice");
        alice.addName().setFamily("Alice").addGiven("Physio");
        store(alice);
        IIdType patient = store(TestData.patient(TestData.uniqueMrn()));
        CareTeam team = new CareTeam();
        team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
        team.setSubject(new Reference(patient.getValue()));
        team.addParticipant().setMember(new Reference("Practitioner/alice"));
        store(team);
        return patient;
    }

    boolean exists(IIdType id) {
        try {
            daos.getResourceDao(id.getResourceType()).read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
            return true;
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            return false;
        }
    }

    IBaseResource read(IIdType id) {
        return daos.getResourceDao(id.getResourceType())
                .read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
    }

    /** The current version id. */
    String version(IIdType id) {
        return read(id).getIdElement().getVersionIdPart();
    }

    /** How many resources of {@code type} carry the marker identifier {@code marker}. */
    int countMarked(String type, String marker) {
        return countByIdentifier(type, MARKER_SYSTEM, marker);
    }

    int countByIdentifier(String type, String system, String value) {
        SearchParameterMap params =
                SearchParameterMap.newSynchronous().add("identifier", new TokenParam(system, value));
        return daos.getResourceDao(type)
                .searchForResources(params, new SystemRequestDetails())
                .size();
    }
}
