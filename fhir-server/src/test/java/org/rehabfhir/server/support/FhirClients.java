package org.rehabfhir.server.support;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;

/** HAPI generic clients for the server under test. */
public final class FhirClients {

	private FhirClients() {}

	/** A client for the FHIR base URL; it does not fetch the server's CapabilityStatement first. */
	public static IGenericClient newClient(FhirContext context, String baseUrl) {
		context.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
		return context.newRestfulGenericClient(baseUrl);
	}
}
