package org.rehabfhir.server.careteam;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.rehabfhir.auth.authorization.CareTeamScope;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * Tells the {@link CareTeamScope} when the patients a practitioner reaches may have changed: after a CareTeam, a
 * referral (ServiceRequest) or a PractitionerRole was written through this server, once its database transaction
 * has ended (not before: a lookup between the write and its commit would keep the old patients). Whatever the write,
 * every practitioner's patients are looked up again on her next request.
 */
@Component
public class CareTeamChanges {

    /** The types {@link CareTeamPatients} and {@link Departments} read. */
    static final Set<String> TYPES = Set.of("CareTeam", "ServiceRequest", "PractitionerRole");

    private final IInterceptorService jpaInterceptors;
    private final ObjectProvider<CareTeamScope> scope;

    public CareTeamChanges(IInterceptorService jpaInterceptors, ObjectProvider<CareTeamScope> scope) {
        this.jpaInterceptors = jpaInterceptors;
        this.scope = scope;
    }

    @PostConstruct
    void register() {
        jpaInterceptors.registerInterceptor(this);
    }

    @PreDestroy
    void unregister() {
        jpaInterceptors.unregisterInterceptor(this);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        written(resource);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource current) {
        written(current);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
    public void deleted(IBaseResource resource) {
        written(resource);
    }

    private void written(IBaseResource resource) {
        CareTeamScope careTeam = scope.getIfAvailable();
        if (careTeam == null || resource == null || !TYPES.contains(resource.fhirType())) {
            return;
        }
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.registerSynchronization(new TransactionSynchronization() {
                @Override
                public void afterCompletion(int status) {
                    careTeam.patientsChanged();
                }
            });
        } else {
            careTeam.patientsChanged();
        }
    }
}
