package org.rehabfhir.auth.limits;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.EncodingEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.RestfulServerUtils;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.util.BundleUtil;
import java.nio.charset.Charset;
import java.nio.charset.StandardCharsets;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.instance.model.api.IBaseBundle;
import org.rehabfhir.auth.config.RehabSecurityProperties.Limits;
import org.rehabfhir.auth.config.RehabSecurityProperties.Limits.CountPolicy;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * Limits against abuse, checked before HAPI does any work (nothing is stored when a limit is hit):
 * <ul>
 *   <li>a transaction or batch Bundle with more entries than the caller's limit: 413 (HAPI has no limit). Persons
 *       and anonymous callers: {@code max-bundle-entries} (200); EHR systems, which send whole patient records:
 *       {@code ehr-system.max-bundle-entries} (20,000). The entries are counted by a streaming read of the body
 *       (JSON or XML tokens, no FHIR model built), so an oversize Bundle costs no parse into resources;</li>
 *   <li>{@code _count} above {@code max-count}: 400, or lowered to the maximum with {@code count-policy=cap};</li>
 *   <li>more than {@code max-includes} {@code _include}/{@code _revinclude} values, or the {@code *} wildcard:
 *       400;</li>
 *   <li>more than {@code large-requests.max-concurrent} large requests at once: 503 with {@code Retry-After}
 *       ({@link LargeRequestGate}).</li>
 * </ul>
 * Errors are HAPI exceptions, so the client gets an OperationOutcome.
 */
@Interceptor
public class RequestLimitsInterceptor {

    private final Limits limits;
    private final LargeRequestGate largeRequests;

    public RequestLimitsInterceptor(Limits limits) {
        this.limits = limits;
        this.largeRequests = new LargeRequestGate(limits.getLargeRequests());
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
            throw new InvalidRequestException("Too many _include/_revinclude parameters: " + includes + " (maximum "
                    + limits.getMaxIncludes() + ")");
        }
        return true;
    }

    /** What a client whose request is too large should do instead (said in every 413 of the limits). */
    public static final String SPLIT_ADVICE = "send the record as several transaction Bundles, each within the limit"
            + " (docs/api-guide.md, 'Transactions and batches')";

    /**
     * The entry count of a transaction or batch, checked as soon as HAPI knows the request is one: before request
     * validation (which would otherwise validate every entry of an oversize Bundle first) and before any storage.
     * The entries are counted by streaming over the body's tokens ({@link BundleEntryCounter}): no resource is
     * built. A body that is not a readable Bundle is left to HAPI, which answers 400. Then a large request (by entries
     * or body bytes) takes one of the few permits of {@link LargeRequestGate}, or is refused with 503.
     */
    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = EARLY)
    public boolean checkBundleSizeEarly(RequestDetails request) {
        if (request.getRestOperationType() != RestOperationTypeEnum.TRANSACTION) {
            // the body's size as RequestBodyLimitFilter passed it on (declared, or counted when it buffered the body)
            long declared = request instanceof ServletRequestDetails servlet && servlet.getServletRequest() != null
                    ? servlet.getServletRequest().getContentLengthLong()
                    : -1;
            largeRequests.admit(request, -1, declared);
            return true;
        }
        EncodingEnum encoding = RestfulServerUtils.determineRequestEncodingNoDefault(request);
        byte[] body = request.loadRequestContents();
        if (encoding == null || body == null || body.length == 0) {
            return true;
        }
        int entries = BundleEntryCounter.count(encoding, body, requestCharset(request));
        if (entries >= 0) {
            checkEntries(entries);
        }
        largeRequests.admit(request, entries, body.length);
        return true;
    }

    /** A large request's permit is given back when HAPI is done with it, whatever the outcome. */
    @Hook(Pointcut.SERVER_PROCESSING_COMPLETED)
    public void releaseLargeRequestPermit(RequestDetails request) {
        largeRequests.release(request);
    }

    /** Permits for large requests free now (tests). */
    int freeLargeRequestPermits() {
        return largeRequests.available();
    }

    /** The same check on the Bundle HAPI parsed (second line, e.g. for a body parsed differently). */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void checkBundleSize(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation != RestOperationTypeEnum.TRANSACTION) {
            return;
        }
        if (request.getResource() instanceof IBaseBundle bundle) {
            checkEntries(
                    BundleUtil.toListOfEntries(request.getFhirContext(), bundle).size());
        }
    }

    private void checkEntries(int entries) {
        boolean system =
                RehabSecurityContext.current().map(CallerContext::isSystem).orElse(false);
        int max = limits.forCaller(system).getMaxBundleEntries();
        if (entries > max) {
            throw new PayloadTooLargeException("Bundle has " + entries + " entries, the maximum is " + max
                    + (system ? " for EHR systems (rehab.security.limits.ehr-system.max-bundle-entries)" : "")
                    + ": " + SPLIT_ADVICE);
        }
    }

    private static Charset requestCharset(RequestDetails request) {
        Charset charset = request.getCharset();
        return charset == null ? StandardCharsets.UTF_8 : charset;
    }
}
