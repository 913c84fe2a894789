package org.rehabfhir.server.reliability;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.catchThrowableOfType;

import ca.uhn.fhir.context.FhirContext;
import org.junit.jupiter.api.Test;

class UnreadableRequestInterceptorTest {

    @Test
    void aJsonPropertyWithAnEmptyNameIsUnreadableInput() {
        // HAPI's JSON parser fails with a StringIndexOutOfBoundsException thrown inside the JDK (found by the fuzz run)
        RuntimeException failure = catchThrowableOfType(
                () -> FhirContext.forR4Cached().newJsonParser().parseResource("{\"resourceType\":\"Goal\",\"\":\"x\"}"),
                RuntimeException.class);

        assertThat(failure).isInstanceOf(StringIndexOutOfBoundsException.class);
        assertThat(UnreadableRequestInterceptor.reason(failure))
                .isEqualTo("the body is not valid FHIR (malformed element)");
    }

    @Test
    void aFailureOfTheServerItselfIsNotBlamedOnTheInput() {
        assertThat(UnreadableRequestInterceptor.reason(new IllegalStateException("a server error")))
                .isNull();
        assertThat(UnreadableRequestInterceptor.reason(new StringIndexOutOfBoundsException(0)))
                .isNull();
    }

    @Test
    void aRefusalNamingAJavaClassKeepsItsStatusAndLosesTheName() {
        var refusal = new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException(
                "HAPI-1821: Invalid attribute value \"NaN\": java.lang.NumberFormatException: For input string: \"NaN\"");

        var cleaned = UnreadableRequestInterceptor.withoutClassNames(refusal);

        assertThat(cleaned.getStatusCode()).isEqualTo(400);
        assertThat(cleaned.getMessage())
                .isEqualTo("HAPI-1821: Invalid attribute value \"NaN\": For input string: \"NaN\"");
        assertThat(UnreadableRequestInterceptor.withoutClassNames(
                        new ca.uhn.fhir.rest.server.exceptions.InvalidRequestException("plain words")))
                .isNull();
    }
}
