package org.rehabfhir.app.audit;

import java.util.List;

/** Auditor screen 1: one page of a patient's access log, with the filter that produced it. */
public record AccessLogView(
        AccessLogFilter filter,
        int total,
        int offset,
        Integer nextOffset,
        Integer previousOffset,
        List<Entry> entries) {

    /**
     * One access.
     *
     * @param agent who (username or client id)
     * @param roles the agent's realm roles
     * @param client the OAuth client (azp)
     * @param what the request, e.g. {@code GET Patient/123}
     * @param outcome success / minor failure / serious failure
     * @param failed outcome other than success
     */
    public record Entry(
            String date,
            String agent,
            String roles,
            String client,
            String what,
            String interaction,
            String outcome,
            boolean failed,
            String status,
            String purposes,
            String auditEvent) {}

    public int firstShown() {
        return entries.isEmpty() ? 0 : offset + 1;
    }

    public int lastShown() {
        return offset + entries.size();
    }
}
