package org.rehabfhir.server.audit;

import java.time.Instant;
import java.util.List;

/**
 * What one request did, collected by the capture interceptor (or the security rejection listener) before it becomes
 * an AuditEvent row.
 *
 * @param recorded when (millisecond precision)
 * @param interaction code of {@code http://hl7.org/fhir/restful-interaction} (read, search-type, create,
 *     operation...)
 * @param httpStatus the HTTP status answered
 * @param outcomeDescription short, safe text (no token content, no stack trace)
 * @param agent the caller
 * @param sourceIp the client's network address
 * @param purposeOfUse "system|code" values from the purpose-of-use header
 * @param patientRefs {@code Patient/x} references concerned
 * @param resourceRefs {@code Type/id} references concerned
 * @param requestMethod GET, POST...
 * @param requestPath the path below the FHIR base, e.g. {@code Patient/123}
 * @param query the query string, if any (kept in the AuditEvent's query entity)
 * @param operation the operation name with {@code $}, if any
 */
public record AuditEntry(
        Instant recorded,
        String interaction,
        int httpStatus,
        String outcomeDescription,
        AuditAgent agent,
        String sourceIp,
        List<String> purposeOfUse,
        List<String> patientRefs,
        List<String> resourceRefs,
        String requestMethod,
        String requestPath,
        String query,
        String operation) {

    /** Longest stored request path, query, description (attacker-chosen text: truncated, marked with "..."). */
    static final int MAX_PATH = 512;

    static final int MAX_QUERY = 1024;
    static final int MAX_DESCRIPTION = 500;
    static final int MAX_REF = 128;

    public AuditEntry {
        purposeOfUse = purposeOfUse == null ? List.of() : List.copyOf(purposeOfUse);
        patientRefs = patientRefs == null
                ? List.of()
                : patientRefs.stream().filter(AuditEntry::isReference).toList();
        resourceRefs = resourceRefs == null
                ? List.of()
                : resourceRefs.stream().filter(AuditEntry::isReference).toList();
        agent = agent == null ? AuditAgent.ANONYMOUS : agent;
        requestPath = truncate(requestPath, MAX_PATH);
        query = truncate(query, MAX_QUERY);
        outcomeDescription = truncate(outcomeDescription, MAX_DESCRIPTION);
        operation = truncate(operation, 64);
        requestMethod = truncate(requestMethod, 16);
        sourceIp = truncate(sourceIp, 64);
    }

    /**
     * Only {@code Type/id} with a valid FHIR id are kept: a request path names what the caller sent ({@code Patient/#},
     * found by the fuzz test), and a reference such as {@code Patient/#} cannot be encoded in the AuditEvent.
     */
    private static boolean isReference(String ref) {
        return ref != null && ref.length() <= MAX_REF && VALID_REF.matcher(ref).matches();
    }

    private static final java.util.regex.Pattern VALID_REF =
            java.util.regex.Pattern.compile("[A-Z][A-Za-z]{1,63}/[A-Za-z0-9\\-.]{1,64}");

    static String truncate(String value, int max) {
        return value == null || value.length() <= max ? value : value.substring(0, max - 3) + "...";
    }

    /** C, R, U, D or E (AuditEvent.action) for the interaction. */
    public String action() {
        return switch (interaction) {
            case "create" -> "C";
            case "read",
                    "vread",
                    "search-type",
                    "search-system",
                    "search",
                    "history-instance",
                    "history-type",
                    "history-system",
                    "capabilities" -> "R";
            case "update", "patch" -> "U";
            case "delete" -> "D";
            default -> "E";
        };
    }

    /** AuditEvent.outcome: 0 success, 4 minor failure (4xx), 8 serious failure (5xx). */
    public String outcome() {
        if (httpStatus < 400) {
            return "0";
        }
        return httpStatus < 500 ? "4" : "8";
    }
}
