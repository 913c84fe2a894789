package org.rehabfhir.server.reliability;

/**
 * The short version of the fault-injection suite that {@code ./mvnw verify} runs (CI): the code of
 * {@link FaultInjectionBenchmark} with its steady load and one PostgreSQL restart (6 s of load around it), its own
 * PostgreSQL and server process, the build's Keycloak. The same checks and table ({@code FAULTS} lines).
 */
class FaultInjectionQuickIT extends FaultInjectionBenchmark {

    @Override
    boolean quick() {
        return true;
    }
}
