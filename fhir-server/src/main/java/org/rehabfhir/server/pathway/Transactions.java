package org.rehabfhir.server.pathway;

import ca.uhn.fhir.jpa.dao.tx.IHapiTransactionService;
import java.util.concurrent.Callable;
import java.util.function.Supplier;
import org.springframework.stereotype.Component;

/** One database transaction around several writes of an operation (HAPI's transaction service): all or nothing. */
@Component
public class Transactions {

    private final IHapiTransactionService transactionService;

    public Transactions(IHapiTransactionService transactionService) {
        this.transactionService = transactionService;
    }

    public <T> T inOne(Supplier<T> work) {
        return transactionService.withSystemRequest().execute((Callable<T>) work::get);
    }
}
