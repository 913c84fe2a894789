package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.util.ResourceReferenceInfo;
import java.util.Optional;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.Permission;

/**
 * No existence oracle through references: HAPI answers a write that refers to a missing resource with 400
 * ("Resource Practitioner/x not found") and stores one that refers to an existing resource, so a caller who may
 * not read Practitioner (or CareTeam, Organization, ...) would learn which ids exist by writing references to them.
 * Here a person's write that refers to a type she has no read right on is refused with 403 <em>before</em> HAPI
 * looks the target up, with a message naming only the element and the type: the same answer whether the target
 * exists or not.
 *
 * <ul>
 *   <li>Allowed: references to types the caller may read (their existing-vs-missing answers are today's), to her own
 *       {@code fhirUser} ({@code Practitioner/<her id>}), contained ({@code #id}) and bundle-internal
 *       ({@code urn:uuid:...}) references, logical references without a reference string.</li>
 *   <li>A conditional reference ({@code Practitioner?identifier=...}) is a search: it needs {@code s} on its type.</li>
 *   <li>Checked at HAPI's storage hooks: create, update, the result of a patch and every transaction entry (the
 *       transaction rolls back, nothing stored).</li>
 *   <li>Not checked: EHR systems ({@code ehr-system}, the hospital's own system of record, which refers to the
 *       practitioners and departments of its own directory when it sends referrals and CareTeams) and writes the
 *       server makes itself ({@link SystemRequestDetails}).</li>
 * </ul>
 */
@Interceptor
public class ReferenceTargetGuardInterceptor {

    private final Supplier<Optional<CallerContext>> callerSupplier;

    public ReferenceTargetGuardInterceptor() {
        this(RehabSecurityContext::current);
    }

    public ReferenceTargetGuardInterceptor(Supplier<Optional<CallerContext>> callerSupplier) {
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
        if (caller.isEmpty() || caller.get().isSystem()) {
            return;
        }
        FhirContext fhir = request.getFhirContext();
        String own = ownReference(caller.get().fhirUser());
        EffectiveRights rights = caller.get().rights();
        for (ResourceReferenceInfo info : fhir.newTerser().getAllResourceReferences(resource)) {
            String reference = info.getResourceReference().getReferenceElement().getValue();
            if (reference == null || reference.isBlank() || reference.startsWith("#") || reference.startsWith("urn:")) {
                continue;
            }
            String where = fhir.getResourceType(resource) + "." + info.getName();
            int query = reference.indexOf('?');
            if (query >= 0) {
                String type = lastSegment(reference.substring(0, query));
                if (!rights.allows(type, Permission.SEARCH)) {
                    throw refused(where, type, "search", own);
                }
                continue;
            }
            IIdType target = info.getResourceReference().getReferenceElement();
            String type = target.getResourceType();
            if (type == null || readable(rights, type)) {
                continue; // untyped references are HAPI's 400 whatever exists
            }
            if (own != null && target.hasIdPart() && own.equals(type + "/" + target.getIdPart())) {
                continue;
            }
            throw refused(where, type, "read", own);
        }
    }

    private static boolean readable(EffectiveRights rights, String type) {
        return rights.allows(type, Permission.READ)
                || SmartAuthorizationInterceptor.READABLE_BY_ANY_CALLER.contains(type);
    }

    /** The caller's own Practitioner (or other fhirUser) as {@code Type/id}, or null. */
    static String ownReference(String fhirUser) {
        if (fhirUser == null || fhirUser.isBlank()) {
            return null;
        }
        String[] parts = fhirUser.replaceAll("/+$", "").split("/");
        return parts.length < 2 ? null : parts[parts.length - 2] + "/" + parts[parts.length - 1];
    }

    private static String lastSegment(String path) {
        String trimmed = path.replaceAll("/+$", "");
        return trimmed.substring(trimmed.lastIndexOf('/') + 1);
    }

    /** The answer names the element and the type, never the id: it is the same for every target of that type. */
    private static ForbiddenOperationException refused(String where, String type, String right, String own) {
        String ownNote = own != null && own.startsWith(type + "/") ? " (only to yourself, " + own + ")" : "";
        return new ForbiddenOperationException("Access denied: " + where + " refers to a " + type + "; you may not "
                + right + " " + type + " resources, so you may not refer to them" + ownNote);
    }
}
