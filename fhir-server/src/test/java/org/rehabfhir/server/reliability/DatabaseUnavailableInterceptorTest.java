package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import java.sql.SQLException;
import org.junit.jupiter.api.Test;
import org.springframework.orm.jpa.JpaSystemException;

class DatabaseUnavailableInterceptorTest {

    @Test
    void aRollbackOnAConnectionThePoolClosedIsTheDatabasesOutage() {
        // what a transaction running when PostgreSQL stopped failed with (the fault suite): HikariCP's closed proxy
        RuntimeException rollback = new JpaSystemException(new RuntimeException(
                "Unable to rollback against JDBC Connection", new SQLException("Connection is closed")));

        assertThat(DatabaseUnavailableInterceptor.isDatabaseUnavailable(rollback))
                .isTrue();
    }

    @Test
    void aSearchThatWaitedForAConnectionInVainIsTheDatabasesOutage() {
        // what HAPI's search thread passes on when the pool had no connection (the fault suite, pool phase): the
        // message only, as an InternalErrorException
        RuntimeException search = new InternalErrorException(
                "rehab-fhir - Connection is not available, request timed out after 5000ms (total=20, active=20,"
                        + " idle=0, waiting=4)");

        assertThat(DatabaseUnavailableInterceptor.isDatabaseUnavailable(search)).isTrue();
    }

    @Test
    void anSqlErrorOfTheRequestItselfIsNot() {
        assertThat(DatabaseUnavailableInterceptor.isDatabaseUnavailable(
                        new SQLException("duplicate key value violates unique constraint", "23505")))
                .isFalse();
        assertThat(DatabaseUnavailableInterceptor.isDatabaseUnavailable(
                        new SQLException("Connection is closed", "XX000")))
                .isFalse();
    }
}
