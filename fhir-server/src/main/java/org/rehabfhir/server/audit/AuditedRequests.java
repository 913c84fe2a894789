package org.rehabfhir.server.audit;

import jakarta.servlet.ServletRequest;

/** Marks a servlet request as audited, so that the last line of defence ({@link RejectedRequestAuditValve}) skips it. */
public final class AuditedRequests {

    static final String ATTRIBUTE = AuditedRequests.class.getName() + ".audited";

    private AuditedRequests() {}

    public static void mark(ServletRequest request) {
        if (request != null) {
            request.setAttribute(ATTRIBUTE, Boolean.TRUE);
        }
    }

    public static boolean isAudited(ServletRequest request) {
        return request != null && request.getAttribute(ATTRIBUTE) != null;
    }
}
