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
import java.util.ArrayList;
import java.util.List;
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
 *   <li>search and type history need {@code s} on the type (HAPI's read rules would allow them with {@code r}),
 *       and on every type the search reaches ({@link SearchReach}: each chain link, typed or not, each
 *       {@code _has} hop, chained {@code _sort}, {@code _revinclude} sources), in searches, conditional URLs and
 *       bundle entries alike;</li>
 *   <li>system-level search and history are refused;</li>
 *   <li>create needs {@code c}, update and patch {@code u}; conditional create, update and patch also {@code s}
 *       (their condition is a search);</li>
 *   <li>delete is refused for everybody (wrong entries become {@code entered-in-error});</li>
 *   <li>the same for every entry of a transaction or batch.</li>
 *   <li>read and vread of {@link SmartAuthorizationInterceptor#READABLE_BY_ANY_CALLER} need no right (any
 *       authenticated caller); their search and history still need {@code s} / {@code r}, which nobody has.</li>
 * </ul>
 * Anonymous requests are left to {@link SmartAuthorizationInterceptor} (metadata only).
 */
@Interceptor
public class SmartInteractionGuardInterceptor {

    /** Chain links plus {@code _has} hops in one parameter, when not configured. */
    public static final int DEFAULT_MAX_SEARCH_DEPTH = 2;

    private final Supplier<Optional<CallerContext>> callerSupplier;
    private final SearchReach reach;

    public SmartInteractionGuardInterceptor() {
        this(RehabSecurityContext::current);
    }

    public SmartInteractionGuardInterceptor(Supplier<Optional<CallerContext>> callerSupplier) {
        this(callerSupplier, new SearchReach(null, DEFAULT_MAX_SEARCH_DEPTH));
    }

    public SmartInteractionGuardInterceptor(SearchReach reach) {
        this(RehabSecurityContext::current, reach);
    }

    public SmartInteractionGuardInterceptor(Supplier<Optional<CallerContext>> callerSupplier, SearchReach reach) {
        this.callerSupplier = callerSupplier;
        this.reach = reach;
    }

    /**
     * Runs just before HAPI's AuthorizationInterceptor (same pointcut, order 0), so that a bundle's refusal names
     * every refused entry instead of HAPI's first "default deny".
     */
    public static final int ORDER = -10;

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED, order = ORDER)
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
                checkReach(rights, reach.typesReached(request.getFhirContext(), type, request.getParameters()));
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
                    checkReach(rights, reach.typesReached(request.getFhirContext(), type, ifNoneExist));
                }
            }
            case UPDATE -> {
                require(rights, type, Permission.UPDATE, "update");
                if (request.getId() == null || !request.getId().hasIdPart()) {
                    require(rights, type, Permission.SEARCH, "conditional update");
                    checkReach(rights, reach.typesReached(request.getFhirContext(), type, request.getParameters()));
                }
            }
            case PATCH -> {
                require(rights, type, Permission.UPDATE, "patch");
                if (request.getId() == null || !request.getId().hasIdPart()) {
                    // "the resource matching ?x=y": a search (its 400/404/200 tells whether something matches)
                    require(rights, type, Permission.SEARCH, "conditional patch");
                    checkReach(rights, reach.typesReached(request.getFhirContext(), type, request.getParameters()));
                }
            }
            case DELETE -> throw deleteRefused();
            case TRANSACTION -> checkBundle(rights, request);
            default -> {
                // operations, metadata, tags...: SmartAuthorizationInterceptor decides
            }
        }
    }

    private void checkBundle(EffectiveRights rights, RequestDetails request) {
        IBaseResource resource = request.getResource();
        if (!(resource instanceof IBaseBundle bundle)) {
            return;
        }
        List<String> refused = new ArrayList<>();
        List<BundleEntryParts> entries = BundleUtil.toListOfEntries(request.getFhirContext(), bundle);
        for (int index = 0; index < entries.size(); index++) {
            BundleEntryParts entry = entries.get(index);
            RequestTypeEnum method = entry.getRequestType();
            if (method == null) {
                continue; // HAPI rejects entries without request.method itself
            }
            String url = entry.getUrl() == null ? "" : entry.getUrl();
            // a PATCH entry's resource is the patch document (Binary, Parameters): its type is the URL's
            String entryType = entry.getResource() != null && method != RequestTypeEnum.PATCH
                    ? request.getFhirContext().getResourceType(entry.getResource())
                    : typeOfUrl(url);
            try {
                checkEntry(rights, request, entry, method, url, entryType);
            } catch (ForbiddenOperationException e) {
                refused.add("Bundle.entry[" + index + "] " + method + " " + (entryType == null ? url : entryType) + ": "
                        + e.getMessage());
            }
        }
        if (!refused.isEmpty()) {
            // every refused entry is named (index, method, type), so an integrator fixes the whole bundle at once
            org.hl7.fhir.r4.model.OperationOutcome oo = new org.hl7.fhir.r4.model.OperationOutcome();
            oo.addIssue()
                    .setSeverity(org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.ERROR)
                    .setCode(org.hl7.fhir.r4.model.OperationOutcome.IssueType.FORBIDDEN)
                    .setDiagnostics(refused.size() + " of " + entries.size()
                            + " bundle entries are outside your rights; " + "nothing was stored");
            for (String r : refused) {
                oo.addIssue()
                        .setSeverity(org.hl7.fhir.r4.model.OperationOutcome.IssueSeverity.ERROR)
                        .setCode(org.hl7.fhir.r4.model.OperationOutcome.IssueType.FORBIDDEN)
                        .setDiagnostics(r)
                        .addExpression(r.substring(0, r.indexOf(']') + 1));
            }
            throw new ForbiddenOperationException("Access denied: " + String.join("; ", refused), oo);
        }
    }

    private void checkEntry(
            EffectiveRights rights,
            RequestDetails request,
            BundleEntryParts entry,
            RequestTypeEnum method,
            String url,
            String entryType) {
        {
            switch (method) {
                case POST -> {
                    require(rights, entryType, Permission.CREATE, "create (in a bundle)");
                    if (entry.getConditionalUrl() != null) {
                        require(rights, entryType, Permission.SEARCH, "conditional create (in a bundle)");
                        checkReach(
                                rights,
                                reach.typesReached(request.getFhirContext(), entryType, entry.getConditionalUrl()));
                    }
                }
                case PUT -> {
                    require(rights, entryType, Permission.UPDATE, "update (in a bundle)");
                    if (url.contains("?")) {
                        require(rights, entryType, Permission.SEARCH, "conditional update (in a bundle)");
                        checkReach(rights, reach.typesReached(request.getFhirContext(), entryType, url));
                    }
                }
                case PATCH -> {
                    require(rights, entryType, Permission.UPDATE, "patch (in a bundle)");
                    if (url.contains("?")) {
                        require(rights, entryType, Permission.SEARCH, "conditional patch (in a bundle)");
                        checkReach(rights, reach.typesReached(request.getFhirContext(), entryType, url));
                    }
                }
                case DELETE -> throw deleteRefused();
                case GET, HEAD -> {
                    String path = url.contains("?") ? url.substring(0, url.indexOf('?')) : url;
                    if (path.isEmpty() || path.startsWith("_history") || path.startsWith("$")) {
                        throw new ForbiddenOperationException("System-level requests are not allowed in a bundle");
                    }
                    boolean search = url.contains("?") || !path.contains("/") || path.endsWith("/_history");
                    if (path.contains("/$")) {
                        return; // operations: decided by SmartAuthorizationInterceptor's operation rules
                    }
                    require(
                            rights,
                            entryType,
                            search ? Permission.SEARCH : Permission.READ,
                            search ? "search (in a bundle)" : "read (in a bundle)");
                    if (url.contains("?")) {
                        checkReach(rights, reach.typesReached(request.getFhirContext(), entryType, url));
                    }
                }
                default -> throw new ForbiddenOperationException("Unsupported bundle entry method " + method);
            }
        }
    }

    private static void checkReach(EffectiveRights rights, java.util.Set<String> types) {
        for (String reached : types) {
            require(rights, reached, Permission.SEARCH, "a search reaching");
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
