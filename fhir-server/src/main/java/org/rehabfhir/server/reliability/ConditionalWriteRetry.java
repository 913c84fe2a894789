package org.rehabfhir.server.reliability;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.model.ResourceVersionConflictResolutionStrategy;
import ca.uhn.fhir.rest.api.Constants;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import org.hl7.fhir.r4.model.Bundle;
import org.springframework.beans.factory.annotation.Value;
import org.springframework.stereotype.Component;

/**
 * Concurrent identical conditional writes leave one resource and all succeed. HAPI keeps the match URL of every
 * conditional create in {@code HFJ_RES_SEARCH_URL} under a unique key, so of two concurrent creates with the same
 * {@code If-None-Exist} (alone, or as entries of transactions) only one commits; the other fails on that key
 * (a constraint error HAPI calls a version conflict). Its transaction is retried here (HAPI's
 * {@code STORAGE_VERSION_CONFLICT} hook: the whole database transaction again, after a short random pause): the
 * retry finds the committed resource, and the client gets 200 with it instead of a 409. An EHR that retries after a
 * timeout therefore gets the same resource, never a second one, also across several server processes (the key is in
 * the database).
 *
 * <p>Only requests with a conditional create are retried ({@code If-None-Exist}, or a transaction with an entry
 * carrying {@code ifNoneExist}); a version conflict of anything else (an {@code If-Match} that does not match) is
 * answered as it is. {@code rehab.fhir.conditional-write-retries} (default 3) bounds the attempts.
 */
@Component
public class ConditionalWriteRetry {

    private final IInterceptorService jpaInterceptors;
    private final int retries;

    public ConditionalWriteRetry(
            IInterceptorService jpaInterceptors, @Value("${rehab.fhir.conditional-write-retries:3}") int retries) {
        this.jpaInterceptors = jpaInterceptors;
        this.retries = retries;
    }

    @PostConstruct
    void register() {
        jpaInterceptors.registerInterceptor(this);
    }

    @PreDestroy
    void unregister() {
        jpaInterceptors.unregisterInterceptor(this);
    }

    @Hook(Pointcut.STORAGE_VERSION_CONFLICT)
    public ResourceVersionConflictResolutionStrategy retryConditionalCreates(RequestDetails request) {
        ResourceVersionConflictResolutionStrategy strategy = new ResourceVersionConflictResolutionStrategy();
        if (retries > 0 && request != null && hasConditionalCreate(request)) {
            strategy.setRetry(true);
            strategy.setMaxRetries(retries);
        }
        return strategy;
    }

    static boolean hasConditionalCreate(RequestDetails request) {
        if (request.getRestOperationType() == RestOperationTypeEnum.CREATE) {
            String ifNoneExist = request.getHeader(Constants.HEADER_IF_NONE_EXIST);
            return ifNoneExist != null && !ifNoneExist.isBlank();
        }
        if (request.getRestOperationType() == RestOperationTypeEnum.TRANSACTION
                && request.getResource() instanceof Bundle bundle
                && bundle.getType() == Bundle.BundleType.TRANSACTION) {
            return bundle.getEntry().stream()
                    .anyMatch(e -> e.hasRequest() && e.getRequest().hasIfNoneExist());
        }
        return false;
    }
}
