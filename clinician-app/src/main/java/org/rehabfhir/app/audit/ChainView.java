package org.rehabfhir.app.audit;

/** Auditor screen 3: whether the AuditEvent hash chain is intact, and where it breaks. */
public record ChainView(
        boolean intact, String checked, String lastId, String headHash, String firstBrokenId, String reason) {}
