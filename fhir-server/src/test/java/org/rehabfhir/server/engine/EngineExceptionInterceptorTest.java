package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.RegimenException;

class EngineExceptionInterceptorTest {

    private final EngineExceptionInterceptor interceptor = new EngineExceptionInterceptor();

    @Test
    void anEngineRefusalIsA422WithTheEnginesMessage() {
        BaseServerResponseException answer = interceptor.toClientError(
                new SystemRequestDetails(),
                new IllegalStateException("wrapped", new RegimenException("unknown ActivityDefinition x")));

        assertThat(answer.getStatusCode()).isEqualTo(422);
        assertThat(answer.getMessage()).contains("unknown ActivityDefinition x");
    }

    @Test
    void otherExceptionsAreLeftToHapi() {
        assertThat(interceptor.toClientError(new SystemRequestDetails(), new IllegalStateException("a bug")))
                .isNull();
    }
}
