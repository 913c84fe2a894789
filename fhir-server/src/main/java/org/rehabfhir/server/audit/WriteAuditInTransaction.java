package org.rehabfhir.server.audit;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import jakarta.persistence.EntityManager;
import java.util.ArrayList;
import java.util.List;
import org.hibernate.action.spi.BeforeTransactionCompletionProcess;
import org.hibernate.engine.spi.SessionImplementor;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Resource;
import org.rehabfhir.server.config.TransactionState;
import org.springframework.orm.jpa.EntityManagerFactoryUtils;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * The AuditEvent of a request that writes (create, update, patch, transaction, and the operations that store
 * something) is appended in the write's own database transaction, just before it commits: the data, its Provenance
 * ({@code ProvenanceRecorder}, same transaction) and its AuditEvent commit together or not at all. A failed append
 * (fail-closed, the default) rolls the write back and the caller gets a 500 OperationOutcome; the failure itself is
 * then audited at {@code SERVER_HANDLE_EXCEPTION} like any failure.
 *
 * <p>How: registered on HAPI's JPA interceptor service, the storage pre-commit hooks of each resource written for a
 * caller's request (its own, or a {@code SystemRequestDetails} of an operation serving it, {@link CallerRequests})
 * register one pending event per request and transaction, as a Hibernate {@link BeforeTransactionCompletionProcess}
 * on the session's action queue. Hibernate runs it inside the commit, after its one final flush of the persistence
 * context and before the JDBC commit, on the same connection ({@code SessionImpl.beforeTransactionCompletion}:
 * {@code flushBeforeTransactionCompletion()}, then the action queue's processes). So the chain's advisory lock is
 * taken only after all the data was written and is held for the insert and the commit alone, not while Hibernate
 * flushes a large record (a 12,000-entry EHR transaction flushes for seconds); and the persistence context is
 * flushed once, not twice. An exception there fails the commit: Hibernate's transaction coordinator marks the
 * transaction rollback-only, rolls it back and rethrows ({@link AuditNotWrittenException}, unwrapped for the caller
 * by {@link AuditCaptureInterceptor}). Constraint errors of the data surface in the flush, before the lock. After
 * the commit (a Spring {@link TransactionSynchronization}) the request counts as audited, so the response-time
 * capture ({@link AuditCaptureInterceptor}) does not add a second event.
 *
 * <p>What the event says is what is committed: the status a success of that interaction answers (201 for a create
 * and a create-by-update, else 200) and the resources and patients written. Requests that store nothing (reads,
 * a conditional create that matched, refusals) and batch bundles (each entry is its own transaction, not atomic)
 * keep the audit at response time.
 */
@Component
public class WriteAuditInTransaction {

    private final IInterceptorService jpaInterceptors;
    private final AuditTrail trail;
    private final AuditEntryFactory factory;
    private final JpaTransactionManager transactionManager;
    private final TransactionState transactionState;

    public WriteAuditInTransaction(
            IInterceptorService jpaInterceptors,
            AuditTrail trail,
            AuditEntryFactory factory,
            JpaTransactionManager transactionManager,
            TransactionState transactionState) {
        this.jpaInterceptors = jpaInterceptors;
        this.trail = trail;
        this.factory = factory;
        this.transactionManager = transactionManager;
        this.transactionState = transactionState;
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
    public void created(IBaseResource resource, RequestDetails request) {
        written(resource, request);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource current, RequestDetails request) {
        written(current, request);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_DELETED)
    public void deleted(IBaseResource resource, RequestDetails request) {
        written(resource, request);
    }

    private void written(IBaseResource resource, RequestDetails request) {
        ServletRequestDetails caller = callerOf(request);
        if (caller == null
                || !trail.enabled()
                || AuditCaptureInterceptor.isAudited(caller)
                || isBatch(caller)
                || !TransactionSynchronizationManager.isSynchronizationActive()) {
            return; // no caller (start-up loads), audit off, already committed with an earlier write, or no transaction
        }
        boolean byServer = !(request instanceof ServletRequestDetails);
        if (byServer && resource instanceof Provenance) {
            return; // the Provenance of the write, not a resource the caller asked for
        }
        PendingAudit pending = pendingFor(caller);
        if (pending != null) {
            pending.add(resource, byServer);
        }
    }

    /**
     * The caller's request a write belongs to: its own; for a transaction's entries, which HAPI writes each with a
     * sub-request of its own ({@code ServletSubRequestDetails}, sharing the transaction's user data), the transaction's
     * request, so that a transaction is one AuditEvent, not one per entry; for an operation's writes (a
     * {@code SystemRequestDetails}), the request being served on this thread.
     */
    private static ServletRequestDetails callerOf(RequestDetails request) {
        ServletRequestDetails served = CallerRequests.current();
        if (request instanceof ServletRequestDetails own) {
            return own.isSubRequest() && served != null ? served : own;
        }
        return served;
    }

    private PendingAudit pendingFor(ServletRequestDetails caller) {
        return transactionState
                .get(this, caller, () -> {
                    PendingAudit pending = new PendingAudit(caller);
                    EntityManager entityManager = EntityManagerFactoryUtils.getTransactionalEntityManager(
                            transactionManager.getEntityManagerFactory());
                    entityManager
                            .unwrap(SessionImplementor.class)
                            .getActionQueue()
                            .registerProcess(pending);
                    return pending;
                })
                .orElse(null); // not a JPA transaction (nothing HAPI writes): audited at response time
    }

    private static boolean isBatch(RequestDetails caller) {
        return caller.getRestOperationType() == RestOperationTypeEnum.TRANSACTION
                && caller.getResource() instanceof Bundle bundle
                && bundle.getType() == Bundle.BundleType.BATCH;
    }

    /**
     * The AuditEvent of one request, appended by Hibernate when its transaction is about to commit (after Hibernate's
     * final flush, before the JDBC commit); marks the request audited once that commit succeeded.
     */
    private final class PendingAudit implements BeforeTransactionCompletionProcess, TransactionSynchronization {

        private final ServletRequestDetails caller;
        private final List<IBaseResource> written = new ArrayList<>();
        private IBaseResource firstOfCaller;
        private boolean appended;

        PendingAudit(ServletRequestDetails caller) {
            this.caller = caller;
        }

        void add(IBaseResource resource, boolean byServer) {
            written.add(resource);
            if (!byServer && firstOfCaller == null) {
                firstOfCaller = resource;
            }
        }

        @Override
        public void doBeforeTransactionCompletion(SessionImplementor session) {
            appended = trail.writeInTransaction(factory.fromHapi(caller, asBundle(), status(), null));
        }

        @Override
        public void afterCompletion(int status) {
            if (status == STATUS_COMMITTED && appended) {
                AuditCaptureInterceptor.markAudited(caller);
            }
        }

        /** The written resources, as the response-time capture would read them from the response. */
        private Bundle asBundle() {
            Bundle bundle = new Bundle().setType(Bundle.BundleType.COLLECTION);
            written.stream()
                    .filter(Resource.class::isInstance)
                    .map(Resource.class::cast)
                    .forEach(r -> bundle.addEntry().setResource(r));
            return bundle;
        }

        /** What a success of this interaction answers. */
        private int status() {
            RestOperationTypeEnum operation = caller.getRestOperationType();
            if (operation == RestOperationTypeEnum.CREATE) {
                return 201;
            }
            if (operation == RestOperationTypeEnum.UPDATE
                    && firstOfCaller != null
                    && "1".equals(firstOfCaller.getIdElement().getVersionIdPart())) {
                return 201; // create by update
            }
            return 200;
        }
    }
}
