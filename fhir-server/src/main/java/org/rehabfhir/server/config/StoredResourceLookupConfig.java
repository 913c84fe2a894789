package org.rehabfhir.server.config;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Optional;
import org.rehabfhir.auth.authorization.StoredResourceLookup;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Lets the security layer (module {@code auth}) read a stored resource as the server, for decisions that depend on
 * what a resource is about: with CareTeam narrowing, {@code CarePlan/<id>/$evaluate-progress} is allowed only when
 * that CarePlan's patient is one of the caller's CareTeam patients.
 */
@Configuration
public class StoredResourceLookupConfig {

    @Bean
    public StoredResourceLookup rehabStoredResourceLookup(DaoRegistry daoRegistry) {
        return id -> {
            try {
                return Optional.of(daoRegistry
                        .getResourceDao(id.getResourceType())
                        .read(id.toUnqualifiedVersionless(), new SystemRequestDetails()));
            } catch (ResourceNotFoundException | ResourceGoneException e) {
                return Optional.empty();
            }
        };
    }
}
