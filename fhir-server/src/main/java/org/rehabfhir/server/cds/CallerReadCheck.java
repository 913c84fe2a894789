package org.rehabfhir.server.cds;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.util.BundleUtil;
import ca.uhn.hapi.fhir.cdshooks.api.ICdsHooksDaoAuthorizationSvc;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.Permission;

/**
 * HAPI reads a missing prefetch from the store as the server; before it is shown to the CDS service this check
 * makes sure the caller could have read it itself: every resource (a Bundle: every entry) of a type the caller's
 * effective rights may read, else 403.
 */
public class CallerReadCheck implements ICdsHooksDaoAuthorizationSvc {

    private final FhirContext fhirContext;

    public CallerReadCheck(FhirContext fhirContext) {
        this.fhirContext = fhirContext;
    }

    @Override
    public void authorizePreShow(IBaseResource resource) {
        EffectiveRights rights =
                RehabSecurityContext.current().map(c -> c.rights()).orElse(EffectiveRights.none());
        List<IBaseResource> resources = resource instanceof IBaseBundle bundle
                ? BundleUtil.toListOfResources(fhirContext, bundle)
                : List.of(resource);
        for (IBaseResource r : resources) {
            String type = fhirContext.getResourceType(r);
            if (!rights.allows(type, Permission.READ)) {
                throw new ForbiddenOperationException(
                        "The prefetch holds " + type + " resources, which the token may" + " not read");
            }
        }
    }
}
