package org.rehabfhir.server.audit;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * {@code rehab.audit.*}: the audit trail and Provenance. Defaults are in code; the switches are read per request,
 * so they can also be flipped at runtime (the audit benchmark does).
 */
@ConfigurationProperties(prefix = "rehab.audit")
public class AuditProperties {

    /** Write an AuditEvent for every request (default true). Off only for measurements. */
    private volatile boolean enabled = true;

    /** Write a Provenance for every CarePlan, Goal and Observation write (default true). */
    private volatile boolean provenanceEnabled = true;

    /** Also audit {@code GET /metadata} (anonymous, no patient data; default false). */
    private volatile boolean auditMetadata = false;

    /**
     * When the audit record cannot be written: true (default) answers 500 instead of the response (no access without
     * audit); false logs an error and answers normally.
     */
    private volatile boolean failClosed = true;

    /** Request header carrying the purpose of use ({@code code} or {@code system|code}, comma separated). */
    private String purposeOfUseHeader = "X-Purpose-Of-Use";

    /** At most this many entries in a {@code $access-log} answer (newest first). */
    private int accessLogMaxEntries = 1000;

    /** Entries per {@code $access-log} page when the request gives no {@code _count}. */
    private int accessLogPageSize = 50;

    public boolean isEnabled() {
        return enabled;
    }

    public void setEnabled(boolean enabled) {
        this.enabled = enabled;
    }

    public boolean isProvenanceEnabled() {
        return provenanceEnabled;
    }

    public void setProvenanceEnabled(boolean provenanceEnabled) {
        this.provenanceEnabled = provenanceEnabled;
    }

    public boolean isAuditMetadata() {
        return auditMetadata;
    }

    public void setAuditMetadata(boolean auditMetadata) {
        this.auditMetadata = auditMetadata;
    }

    public boolean isFailClosed() {
        return failClosed;
    }

    public void setFailClosed(boolean failClosed) {
        this.failClosed = failClosed;
    }

    public String getPurposeOfUseHeader() {
        return purposeOfUseHeader;
    }

    public void setPurposeOfUseHeader(String purposeOfUseHeader) {
        this.purposeOfUseHeader = purposeOfUseHeader;
    }

    public int getAccessLogPageSize() {
        return accessLogPageSize;
    }

    public void setAccessLogPageSize(int accessLogPageSize) {
        this.accessLogPageSize = accessLogPageSize;
    }

    public int getAccessLogMaxEntries() {
        return accessLogMaxEntries;
    }

    public void setAccessLogMaxEntries(int accessLogMaxEntries) {
        this.accessLogMaxEntries = accessLogMaxEntries;
    }
}
