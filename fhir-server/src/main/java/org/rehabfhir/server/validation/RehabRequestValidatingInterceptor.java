package org.rehabfhir.server.validation;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InternalErrorException;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.interceptor.RequestValidatingInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import jakarta.servlet.http.HttpServletRequest;
import jakarta.servlet.http.HttpServletResponse;

/**
 * HAPI's {@link RequestValidatingInterceptor}, marked as one of the project's interceptors so the FHIR endpoint
 * registers it, and moved <em>after</em> authorization: HAPI validates at {@code SERVER_INCOMING_REQUEST_POST_PROCESSED},
 * before the authorization rules (type, interaction, compartment) are applied at
 * {@code SERVER_INCOMING_REQUEST_PRE_HANDLED}, so a caller without the right could make the server spend seconds of CPU
 * on a large body before the 403. Here validation runs at {@code PRE_HANDLED}, after every other hook of that phase
 * (the authorization interceptor and the SMART guard among them). A body that cannot even be parsed is the client's
 * error: 400, not HAPI's 500.
 */
@Interceptor
public class RehabRequestValidatingInterceptor extends RequestValidatingInterceptor {

	/** After the authorization interceptor and the SMART interaction guard (both at the default order, 0). */
	static final int AFTER_AUTHORIZATION = 1000;

	/** HAPI's early hook: does nothing here (see {@link #validateAfterAuthorization}). */
	@Override
	public boolean incomingRequestPostProcessed(
			RequestDetails requestDetails, HttpServletRequest request, HttpServletResponse response) {
		return true;
	}

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = AFTER_AUTHORIZATION)
	public void validateAfterAuthorization(ServletRequestDetails requestDetails) {
		try {
			super.incomingRequestPostProcessed(
					requestDetails, requestDetails.getServletRequest(), requestDetails.getServletResponse());
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
