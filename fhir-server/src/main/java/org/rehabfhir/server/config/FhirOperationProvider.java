package org.rehabfhir.server.config;

/**
 * Marker for the project's HAPI operation providers (classes with {@code @Operation} methods). Every Spring bean
 * that implements it is registered on the FHIR endpoint.
 */
public interface FhirOperationProvider {}
