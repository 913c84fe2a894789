package org.rehabfhir.auth.limits;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import ca.uhn.fhir.util.BundleUtil;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.rehabfhir.auth.config.RehabSecurityProperties.Limits;
import org.rehabfhir.auth.config.RehabSecurityProperties.Limits.CountPolicy;

/**
 * Limits against abuse, checked before HAPI does any work (nothing is stored when a limit is hit):
 * <ul>
 *   <li>a transaction or batch Bundle with more than {@code max-bundle-entries} entries: 413 (HAPI has no limit);</li>
 *   <li>{@code _count} above {@code max-count}: 400, or lowered to the maximum with {@code count-policy=cap};</li>
 *   <li>more than {@code max-includes} {@code _include}/{@code _revinclude} values, or the {@code *} wildcard:
 *       400.</li>
 * </ul>
 * Errors are HAPI exceptions, so the client gets an OperationOutcome.
 */
@Interceptor
public class RequestLimitsInterceptor {

	private final Limits limits;

	public RequestLimitsInterceptor(Limits limits) {
		this.limits = limits;
	}

	/** Before every other interceptor of this phase (request validation in particular, which is costly). */
	static final int EARLY = -1000;

	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = EARLY)
	public boolean checkParameters(RequestDetails request) {
		Map<String, String[]> params = request.getParameters();
		if (params == null || params.isEmpty()) {
			return true;
		}
		String[] count = params.get("_count");
		if (count != null) {
			for (String value : count) {
				int n;
				try {
					n = Integer.parseInt(value.trim());
				} catch (NumberFormatException e) {
					throw new InvalidRequestException("_count must be a whole number");
				}
				if (n < 0) {
					throw new InvalidRequestException("_count must not be negative");
				}
				if (n > limits.getMaxCount()) {
					if (limits.getCountPolicy() == CountPolicy.REJECT) {
						throw new InvalidRequestException(
								"_count " + n + " is above the maximum page size " + limits.getMaxCount());
					}
					Map<String, String[]> capped = new HashMap<>(params);
					capped.put("_count", new String[] {Integer.toString(limits.getMaxCount())});
					request.setParameters(capped);
					params = capped;
				}
			}
		}
		int includes = 0;
		for (Map.Entry<String, String[]> e : params.entrySet()) {
			String name = e.getKey();
			if (name.startsWith("_include") || name.startsWith("_revinclude")) {
				for (String value : e.getValue()) {
					if (value.trim().equals("*") || value.trim().startsWith("*:")) {
						throw new InvalidRequestException("Wildcard " + name + "=* is not allowed");
					}
					includes++;
				}
			}
		}
		if (includes > limits.getMaxIncludes()) {
			throw new InvalidRequestException(
					"Too many _include/_revinclude parameters: " + includes + " (maximum " + limits.getMaxIncludes() + ")");
		}
		return true;
	}

	/**
	 * The entry count of a transaction or batch, checked as soon as HAPI knows the request is one: before request
	 * validation (which would otherwise validate every entry of an oversize Bundle first) and before any storage.
	 * The body is parsed once here (it is at most {@code max-request-body} bytes); a body that does not parse is left
	 * to HAPI, which answers 400.
	 */
	@Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = EARLY)
	public boolean checkBundleSizeEarly(RequestDetails request) {
		if (request.getRestOperationType() != RestOperationTypeEnum.TRANSACTION) {
			return true;
		}
		EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
		byte[] body = request.loadRequestContents();
		if (encoding == null || body == null || body.length == 0) {
			return true;
		}
		IBaseResource parsed;
		try {
			parsed = encoding.newParser(request.getFhirContext())
					.parseResource(new String(body, requestCharset(request)));
		} catch (RuntimeException unparseable) {
			return true; // HAPI reports the parse error itself
		}
		checkEntries(request, parsed);
		return true;
	}

	/** The same check on the Bundle HAPI parsed (second line, e.g. for a body parsed differently). */
	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void checkBundleSize(RequestDetails request, RestOperationTypeEnum operation) {
		if (operation != RestOperationTypeEnum.TRANSACTION) {
			return;
		}
		checkEntries(request, request.getResource());
	}

	private void checkEntries(RequestDetails request, IBaseResource resource) {
		if (resource instanceof IBaseBundle bundle) {
			int entries = BundleUtil.toListOfEntries(request.getFhirContext(), bundle).size();
			if (entries > limits.getMaxBundleEntries()) {
				throw new PayloadTooLargeException("Bundle has " + entries + " entries, the maximum is "
						+ limits.getMaxBundleEntries());
			}
		}
	}

	private static Charset requestCharset(RequestDetails request) {
		Charset charset = request.getCharset();
		return charset == null ? StandardCharsets.UTF_8 : charset;
	}
}
