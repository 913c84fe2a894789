package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * CareTeam narrowing for writes: a narrowed caller may store a resource only if <em>every</em> Patient-compartment
 * owner of it (subject, patient, performer, ... typed Patient) is one of the caller's patients. HAPI's
 * {@code inCompartment} rule accepts a write when any one owner is allowed, so an Observation about another team's
 * patient with {@code performer: Patient/<own patient>} would pass it. Checked at HAPI's storage hooks, so creates,
 * updates, patches (the patched result) and every transaction entry are covered; the old version of an update is
 * checked by HAPI's own rules. 403, the transaction rolled back, nothing stored.
 *
 * <p>Writes the server makes itself ({@link SystemRequestDetails}, e.g. an engine step) are the server's
 * responsibility and not checked here.
 */
@Interceptor
public class CareTeamWriteGuardInterceptor {

    private final CareTeamScope careTeam;
    private final Supplier<Optional<CallerContext>> callerSupplier;

    public CareTeamWriteGuardInterceptor(CareTeamScope careTeam) {
        this(careTeam, RehabSecurityContext::current);
    }

    public CareTeamWriteGuardInterceptor(CareTeamScope careTeam, Supplier<Optional<CallerContext>> callerSupplier) {
        this.careTeam = careTeam;
        this.callerSupplier = callerSupplier;
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void created(RequestDetails request, IBaseResource resource) {
        check(request, resource);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void updated(RequestDetails request, IBaseResource oldResource, IBaseResource newResource) {
        check(request, newResource);
    }

    private void check(RequestDetails request, IBaseResource resource) {
        if (request == null || request instanceof SystemRequestDetails || resource == null) {
            return;
        }
        Optional<CallerContext> caller = callerSupplier.get();
        if (caller.isEmpty()) {
            return;
        }
        Optional<Set<String>> allowed = careTeam.patientsFor(caller.get(), request);
        if (allowed.isEmpty()) {
            return; // not narrowed
        }
        for (String owner : patientOwners(request.getFhirContext(), resource)) {
            if (!allowed.get().contains(owner)) {
                throw new ForbiddenOperationException("Access denied: the resource names a patient outside your"
                        + " CareTeams; every patient it refers to (subject, performer, ...) must be one of yours");
            }
        }
    }

    /** The resource's Patient-compartment owners of type Patient, as {@code Patient/<id>} (a Patient: itself). */
    static Set<String> patientOwners(FhirContext fhir, IBaseResource resource) {
        Set<String> owners = new LinkedHashSet<>();
        String type = fhir.getResourceType(resource);
        if ("Patient".equals(type)) {
            if (resource.getIdElement().hasIdPart()) {
                owners.add("Patient/" + resource.getIdElement().getIdPart());
            }
            return owners;
        }
        if (!SmartAuthorizationInterceptor.inPatientCompartment(fhir, type)) {
            return owners;
        }
        for (IIdType owner :
                fhir.newTerser().getCompartmentOwnersForResource("Patient", resource, (Set<String>) null)) {
            if (owner.hasIdPart() && (owner.getResourceType() == null || "Patient".equals(owner.getResourceType()))) {
                owners.add("Patient/" + owner.getIdPart());
            }
        }
        return owners;
    }
}
