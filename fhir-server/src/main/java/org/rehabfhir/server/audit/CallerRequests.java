package org.rehabfhir.server.audit;

import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;

/**
 * The caller's HAPI request on the thread serving it, bound by {@link AuditCaptureInterceptor} from
 * {@code SERVER_INCOMING_REQUEST_PRE_HANDLED} to {@code SERVER_PROCESSING_COMPLETED}: the writes an operation makes
 * on the caller's behalf carry a {@code SystemRequestDetails}, and their audit is still the caller's request's.
 */
final class CallerRequests {

    private static final ThreadLocal<ServletRequestDetails> CURRENT = new ThreadLocal<>();

    private CallerRequests() {}

    static void bind(ServletRequestDetails request) {
        CURRENT.set(request);
    }

    static void unbind() {
        CURRENT.remove();
    }

    /** The request being served on this thread, or null (start-up loads, background jobs). */
    static ServletRequestDetails current() {
        return CURRENT.get();
    }
}
