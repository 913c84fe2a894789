package org.rehabfhir.server.audit;

import java.time.Instant;
import java.util.List;

/** One stored row of {@code rehab_audit_event}; every field except {@code hash} is covered by the hash. */
public record AuditRow(
        long seq,
        Instant recorded,
        String interaction,
        String action,
        String outcome,
        int httpStatus,
        String agentSub,
        String agentUsername,
        String clientId,
        String tokenId,
        String fhirUser,
        String sourceIp,
        String purposeOfUse,
        List<String> patientRefs,
        List<String> resourceRefs,
        String requestMethod,
        String requestPath,
        String operation,
        String eventJson,
        String prevHash,
        String hash) {

    public AuditRow withHash(String newHash) {
        return new AuditRow(
                seq,
                recorded,
                interaction,
                action,
                outcome,
                httpStatus,
                agentSub,
                agentUsername,
                clientId,
                tokenId,
                fhirUser,
                sourceIp,
                purposeOfUse,
                patientRefs,
                resourceRefs,
                requestMethod,
                requestPath,
                operation,
                eventJson,
                prevHash,
                newHash);
    }
}
