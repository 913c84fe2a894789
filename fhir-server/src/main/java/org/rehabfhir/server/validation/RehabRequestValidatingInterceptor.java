package org.rehabfhir.server.validation;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;

/**
 * HAPI's {@link RequestValidatingInterceptor}, marked as one of the project's interceptors so the FHIR endpoint
 * registers it.
 */
@Interceptor
public class RehabRequestValidatingInterceptor extends RequestValidatingInterceptor {}
