package org.rehabfhir.server.config;

import static org.assertj.core.api.Assertions.assertThat;

import jakarta.persistence.EntityManagerFactory;
import java.lang.reflect.Proxy;
import java.util.List;
import java.util.concurrent.atomic.AtomicInteger;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.transaction.support.TransactionSynchronization;
import org.springframework.transaction.support.TransactionSynchronizationManager;

class TransactionStateTest {

    /** The key JpaTransactionManager binds a transaction's holder under: only its identity counts here. */
    private final EntityManagerFactory entityManagerFactory = (EntityManagerFactory) Proxy.newProxyInstance(
            getClass().getClassLoader(),
            new Class<?>[] {EntityManagerFactory.class},
            (proxy, method, args) -> switch (method.getName()) {
                case "hashCode" -> System.identityHashCode(proxy);
                case "equals" -> proxy == args[0];
                default -> null;
            });

    private final TransactionState state = new TransactionState(new JpaTransactionManager(entityManagerFactory));
    private final Object owner = new Object();
    private final AtomicInteger made = new AtomicInteger();

    /** As JpaTransactionManager begins a transaction: synchronization on, the transaction's holder bound. */
    private Object begin() {
        TransactionSynchronizationManager.initSynchronization();
        Object holder = new Object();
        TransactionSynchronizationManager.bindResource(entityManagerFactory, holder);
        return holder;
    }

    /** As it completes one: every synchronization told, then synchronization off and the holder let go of. */
    private void complete() {
        TransactionSynchronizationManager.getSynchronizations()
                .forEach(s -> s.afterCompletion(TransactionSynchronization.STATUS_COMMITTED));
        TransactionSynchronizationManager.clearSynchronization();
        TransactionSynchronizationManager.unbindResource(entityManagerFactory);
    }

    private Pending made() {
        made.incrementAndGet();
        return new Pending();
    }

    @AfterEach
    void clear() {
        if (TransactionSynchronizationManager.isSynchronizationActive()) {
            TransactionSynchronizationManager.clearSynchronization();
        }
        TransactionSynchronizationManager.unbindResourceIfPossible(entityManagerFactory);
        TransactionSynchronizationManager.unbindResourceIfPossible(owner);
    }

    @Test
    void eachWriteOfOneTransactionFindsTheStateTheFirstMadeAndRegistered() {
        begin();
        Pending first = state.get(owner, "key", this::made).orElseThrow();
        Pending again = state.get(owner, "key", this::made).orElseThrow();

        assertThat(again).isSameAs(first);
        assertThat(made).hasValue(1);
        assertThat(TransactionSynchronizationManager.getSynchronizations()).contains(first);
    }

    @Test
    void eachKeyHasItsOwnState() {
        begin();
        Pending one = state.get(owner, "one", this::made).orElseThrow();
        Pending other = state.get(owner, "other", this::made).orElseThrow();

        assertThat(other).isNotSameAs(one);
    }

    @Test
    void theNextTransactionStartsWithNone() {
        begin();
        Pending first = state.get(owner, "key", this::made).orElseThrow();
        complete();
        begin();

        assertThat(state.get(owner, "key", this::made).orElseThrow()).isNotSameAs(first);
        assertThat(made).hasValue(2);
    }

    @Test
    void aTransactionBegunInsideAnotherHasItsOwnStateAndTheOuterOneGetsItsBack() {
        Object outerHolder = begin();
        Pending outer = state.get(owner, "key", this::made).orElseThrow();
        // as Spring suspends the outer transaction for a REQUIRES_NEW one, and resumes it after
        List<TransactionSynchronization> suspended = TransactionSynchronizationManager.getSynchronizations();
        suspended.forEach(TransactionSynchronization::suspend);
        TransactionSynchronizationManager.clearSynchronization();
        TransactionSynchronizationManager.unbindResource(entityManagerFactory);
        begin();
        Pending inner = state.get(owner, "key", this::made).orElseThrow();
        complete();
        TransactionSynchronizationManager.bindResource(entityManagerFactory, outerHolder);
        TransactionSynchronizationManager.initSynchronization();
        suspended.forEach(s -> {
            s.resume();
            TransactionSynchronizationManager.registerSynchronization(s);
        });

        assertThat(inner).isNotSameAs(outer);
        assertThat(state.get(owner, "key", this::made).orElseThrow()).isSameAs(outer);
        assertThat(made).hasValue(2);
    }

    @Test
    void aStateOfAnotherTransactionStillHeldIsNotGiven() {
        begin();
        state.get(owner, "key", this::made).orElseThrow();
        // another transaction's holder bound without the first one being suspended
        TransactionSynchronizationManager.unbindResource(entityManagerFactory);
        TransactionSynchronizationManager.bindResource(entityManagerFactory, new Object());

        assertThat(state.get(owner, "key", this::made)).isEmpty();
    }

    @Test
    void outsideAJpaTransactionThereIsNone() {
        assertThat(state.get(owner, "key", this::made)).isEmpty();
        TransactionSynchronizationManager.initSynchronization();
        assertThat(state.get(owner, "key", this::made)).isEmpty();
        assertThat(made).hasValue(0);
    }

    private static final class Pending implements TransactionSynchronization {}
}
