package org.rehabfhir.server.config;

import java.util.IdentityHashMap;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

/**
 * What a storage listener keeps for the current JPA transaction until it commits (the Provenance being gathered, the
 * AuditEvent pending), found with one map look-up. Spring sorts a transaction's list of synchronizations on every
 * read of it: the two listeners that looked for their state in that list on each write spent 4 % of a 200-entry EHR
 * transaction sorting it (JFR, issue 15).
 */
@Component
public class TransactionState {

    private final JpaTransactionManager transactionManager;

    public TransactionState(JpaTransactionManager transactionManager) {
        this.transactionManager = transactionManager;
    }

    /**
     * The state {@code owner} keeps under {@code key} (compared by identity) for the current JPA transaction: made by
     * {@code create} on first use and registered as one of the transaction's synchronizations. A transaction begun
     * inside another one (the outer suspended) has states of its own. Empty outside a JPA transaction, and should a
     * state of another transaction still be held (the caller does without: it is not this transaction's).
     */
    public <T extends TransactionSynchronization> Optional<T> get(Object owner, Object key, Supplier<T> create) {
        if (!TransactionSynchronizationManager.isSynchronizationActive()) {
            return Optional.empty();
        }
        Object transaction =
                TransactionSynchronizationManager.getResource(transactionManager.getEntityManagerFactory());
        if (transaction == null) {
            return Optional.empty(); // not a JPA transaction (nothing HAPI writes)
        }
        Held held = (Held) TransactionSynchronizationManager.getResource(owner);
        if (held == null) {
            held = new Held(owner, transaction);
            TransactionSynchronizationManager.bindResource(owner, held);
            TransactionSynchronizationManager.registerSynchronization(held);
        } else if (held.transaction != transaction) {
            return Optional.empty();
        }
        @SuppressWarnings("unchecked")
        T state = (T) held.byKey.get(key);
        if (state == null) {
            state = create.get();
            held.byKey.put(key, state);
            TransactionSynchronizationManager.registerSynchronization(state);
        }
        return Optional.of(state);
    }

    /**
     * The states of one owner in one transaction: let go of while the transaction is suspended for another one (which
     * then has states of its own) and when it completes, as Spring's own resource holders are.
     */
    private static final class Held implements TransactionSynchronization {

        private final Object owner;
        private final Object transaction;
        private final Map<Object, TransactionSynchronization> byKey = new IdentityHashMap<>();

        Held(Object owner, Object transaction) {
            this.owner = owner;
            this.transaction = transaction;
        }

        @Override
        public void suspend() {
            letGo();
        }

        @Override
        public void resume() {
            TransactionSynchronizationManager.bindResource(owner, this);
        }

        @Override
        public void afterCompletion(int status) {
            letGo();
        }

        private void letGo() {
            if (TransactionSynchronizationManager.getResource(owner) == this) {
                TransactionSynchronizationManager.unbindResource(owner);
            }
        }
    }
}
