package org.rehabfhir.auth.authorization;

import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;

/**
 * Reads one stored resource as the server (not as the caller), for authorization decisions that depend on what a
 * resource is about, e.g. whose CarePlan {@code CarePlan/12/$evaluate-progress} evaluates. The FHIR server
 * implements it over its storage; implementations must not go through the REST layer or the
 * AuthorizationInterceptor.
 */
@FunctionalInterface
public interface StoredResourceLookup {

    /** @return the current version of the resource, or empty when it does not exist (or is deleted) */
    Optional<IBaseResource> find(IIdType id);
}
