package org.rehabfhir.server.validation;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * HAPI's {@link RequestValidatingInterceptor}, marked as one of the project's interceptors so the FHIR endpoint
 * registers it. A body that cannot even be parsed is the client's error: 400, not HAPI's 500.
 */
@Interceptor
public class RehabRequestValidatingInterceptor extends RequestValidatingInterceptor {

	@Override
	public boolean incomingRequestPostProcessed(
			RequestDetails requestDetails, HttpServletRequest request, HttpServletResponse response) {
		try {
			return super.incomingRequestPostProcessed(requestDetails, request, response);
		} catch (InternalErrorException e) {
			throw new InvalidRequestException("The request body is not well-formed "
					+ (requestDetails.getResourceName() == null ? "FHIR" : requestDetails.getResourceName())
					+ " content: " + rootMessage(e));
		}
	}

	private static String rootMessage(Throwable e) {
		Throwable root = e;
		while (root.getCause() != null && root.getCause() != root) {
			root = root.getCause();
		}
		String message = root.getMessage() == null ? "unreadable" : root.getMessage();
		// keep the parser's position information, drop any Java class names
		return message.replaceAll("([a-z]+\\.)+[A-Z]\\w*(Exception|Error):\\s*", "");
	}
}
