package org.rehabfhir.server.config;

/**
 * Marker for the project's HAPI providers: classes with {@code @Operation} methods, or {@code IResourceProvider}s
 * that serve a resource type themselves (which then replace HAPI's JPA provider for that type). Every Spring bean
 * that implements it is registered on the FHIR endpoint.
 */
public interface FhirOperationProvider {}
