package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.util.BundleUtil;
import ca.uhn.fhir.util.bundle.BundleEntryParts;
import java.util.Map;
import java.util.Optional;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.Permission;

/**
 * The SMART interaction letters that HAPI's rule builder cannot express, checked before the request is handled
 * (403 OperationOutcome, nothing read or stored):
 * <ul>
 *   <li>search and type history need {@code s} on the type (HAPI's read rules would allow them with {@code r});
 *       {@code _has:Type:...} needs {@code s} on {@code Type}, a typed chain {@code param:Type.x} too;</li>
 *   <li>system-level search and history are refused;</li>
 *   <li>create needs {@code c}, update and patch {@code u}; conditional create/update also {@code s} (their
 *       condition is a search);</li>
 *   <li>delete is refused for everybody (wrong entries become {@code entered-in-error});</li>
 *   <li>the same for every entry of a transaction or batch.</li>
 *   <li>read and vread of {@link SmartAuthorizationInterceptor#READABLE_BY_ANY_CALLER} need no right (any
 *       authenticated caller); their search and history still need {@code s} / {@code r}, which nobody has.</li>
 * </ul>
 * Anonymous requests are left to {@link SmartAuthorizationInterceptor} (metadata only).
 */
@Interceptor
public class SmartInteractionGuardInterceptor {

	private final Supplier<Optional<CallerContext>> callerSupplier;

	public SmartInteractionGuardInterceptor() {
		this(RehabSecurityContext::current);
	}

	public SmartInteractionGuardInterceptor(Supplier<Optional<CallerContext>> callerSupplier) {
		this.callerSupplier = callerSupplier;
	}

	@Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
	public void check(RequestDetails request, RestOperationTypeEnum operation) {
		Optional<CallerContext> caller = callerSupplier.get();
		if (caller.isEmpty() || operation == null) {
			return;
		}
		EffectiveRights rights = caller.get().rights();
		String type = request.getResourceName();
		switch (operation) {
			case SEARCH_TYPE, HISTORY_TYPE -> {
				require(rights, type, Permission.SEARCH, "search");
				checkSearchParameters(rights, request.getParameters());
			}
			case SEARCH_SYSTEM, HISTORY_SYSTEM -> throw new ForbiddenOperationException(
					"System-level search and history are not allowed: search one resource type");
			case READ, VREAD -> {
				if (!SmartAuthorizationInterceptor.READABLE_BY_ANY_CALLER.contains(type)) {
					require(rights, type, Permission.READ, "read");
				}
			}
			case HISTORY_INSTANCE -> require(rights, type, Permission.READ, "read");
			case CREATE -> {
				require(rights, type, Permission.CREATE, "create");
				String ifNoneExist = request.getHeader(ca.uhn.fhir.rest.api.Constants.HEADER_IF_NONE_EXIST);
				if (ifNoneExist != null && !ifNoneExist.isBlank()) {
					require(rights, type, Permission.SEARCH, "conditional create");
				}
			}
			case UPDATE -> {
				require(rights, type, Permission.UPDATE, "update");
				if (request.getId() == null || !request.getId().hasIdPart()) {
					require(rights, type, Permission.SEARCH, "conditional update");
				}
			}
			case PATCH -> require(rights, type, Permission.UPDATE, "patch");
			case DELETE -> throw deleteRefused();
			case TRANSACTION -> checkBundle(rights, request);
			default -> {
				// operations, metadata, tags...: SmartAuthorizationInterceptor decides
			}
		}
	}

	private static void checkBundle(EffectiveRights rights, RequestDetails request) {
		IBaseResource resource = request.getResource();
		if (!(resource instanceof IBaseBundle bundle)) {
			return;
		}
		for (BundleEntryParts entry : BundleUtil.toListOfEntries(request.getFhirContext(), bundle)) {
			RequestTypeEnum method = entry.getRequestType();
			if (method == null) {
				continue; // HAPI rejects entries without request.method itself
			}
			String url = entry.getUrl() == null ? "" : entry.getUrl();
			String entryType = entry.getResource() != null
					? request.getFhirContext().getResourceType(entry.getResource())
					: typeOfUrl(url);
			switch (method) {
				case POST -> {
					require(rights, entryType, Permission.CREATE, "create (in a bundle)");
					if (entry.getConditionalUrl() != null) {
						require(rights, entryType, Permission.SEARCH, "conditional create (in a bundle)");
					}
				}
				case PUT -> {
					require(rights, entryType, Permission.UPDATE, "update (in a bundle)");
					if (url.contains("?")) {
						require(rights, entryType, Permission.SEARCH, "conditional update (in a bundle)");
					}
				}
				case PATCH -> require(rights, entryType, Permission.UPDATE, "patch (in a bundle)");
				case DELETE -> throw deleteRefused();
				case GET, HEAD -> {
					String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
					if (path.isEmpty() || path.startsWith("_history") || path.startsWith("$")) {
						throw new ForbiddenOperationException("System-level requests are not allowed in a bundle");
					}
					boolean search = url.contains("?") || !path.contains("/") || path.endsWith("/_history");
					if (path.contains("/$")) {
						continue; // operations: decided by SmartAuthorizationInterceptor's operation rules
					}
					require(rights, entryType, search ? Permission.SEARCH : Permission.READ,
							search ? "search (in a bundle)" : "read (in a bundle)");
				}
				default -> throw new ForbiddenOperationException("Unsupported bundle entry method " + method);
			}
		}
	}

	private static void checkSearchParameters(EffectiveRights rights, Map<String, String[]> params) {
		if (params == null) {
			return;
		}
		for (String name : params.keySet()) {
			if (name.startsWith("_has:")) {
				String[] parts = name.split(":");
				if (parts.length >= 2) {
					require(rights, parts[1], Permission.SEARCH, "_has on");
				}
			}
			int dot = name.indexOf('.');
			int colon = name.indexOf(':');
			if (!name.startsWith("_") && dot > 0 && colon > 0 && colon < dot) {
				String target = name.substring(colon + 1, dot);
				if (!target.isEmpty() && Character.isUpperCase(target.charAt(0))) {
					require(rights, target, Permission.SEARCH, "chained search on");
				}
			}
		}
	}

	static String typeOfUrl(String url) {
		String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
		int slash = path.indexOf('/');
		return slash < 0 ? path : path.substring(0, slash);
	}

	private static void require(EffectiveRights rights, String type, Permission permission, String what) {
		if (type == null || !rights.allows(type, permission)) {
			throw new ForbiddenOperationException("Access denied: " + what + " " + (type == null ? "" : type)
					+ " needs the SMART permission '" + permission.letter() + "' on " + type);
		}
	}

	private static ForbiddenOperationException deleteRefused() {
		return new ForbiddenOperationException("Access denied: clinical records are never deleted; "
				+ "mark a wrong entry with status=entered-in-error instead");
	}
}
