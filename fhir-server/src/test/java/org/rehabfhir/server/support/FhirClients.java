package org.rehabfhir.server.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;

/** HAPI generic clients for the server under test. */
public final class FhirClients {

    /**
     * HAPI's default read timeout is 10 s; a 2-core CI machine starting the suite (the validator's first snapshot,
     * the JIT) can take longer for a first write. Speed is measured by the benchmarks, not here.
     */
    static final int SOCKET_TIMEOUT_MS = 60_000;

    private FhirClients() {}

    /** A client for the FHIR base URL; it does not fetch the server's CapabilityStatement first. */
    public static IGenericClient newClient(FhirContext context, String baseUrl) {
        context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        context.getRestfulClientFactory().setSocketTimeout(SOCKET_TIMEOUT_MS);
        return context.newRestfulGenericClient(baseUrl);
    }
}
