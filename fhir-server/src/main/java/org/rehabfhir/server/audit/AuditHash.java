package org.rehabfhir.server.audit;

import java.nio.charset.StandardCharsets;
import java.security.MessageDigest;
import java.security.NoSuchAlgorithmException;
import java.util.HexFormat;
import java.util.List;

/**
 * The hash chain: {@code hash = hex(SHA-256(canonical(row)))} where the canonical form starts with the predecessor's
 * hash and then lists every column (length-prefixed, so that no two different rows give the same bytes).
 * The first row's predecessor is {@link #GENESIS} (64 zeros).
 */
public final class AuditHash {

    public static final String GENESIS = "0".repeat(64);

    private AuditHash() {}

    public static String hash(AuditRow row) {
        return sha256Hex(canonical(row));
    }

    /** The exact bytes that are hashed (documented in docs/audit.md). */
    public static String canonical(AuditRow row) {
        StringBuilder out = new StringBuilder(
                256 + (row.eventJson() == null ? 0 : row.eventJson().length()));
        field(out, "v1");
        field(out, row.prevHash());
        field(out, Long.toString(row.seq()));
        field(out, Long.toString(row.recorded().toEpochMilli()));
        field(out, row.interaction());
        field(out, row.action());
        field(out, row.outcome());
        field(out, Integer.toString(row.httpStatus()));
        field(out, row.agentSub());
        field(out, row.agentUsername());
        field(out, row.clientId());
        field(out, row.tokenId());
        field(out, row.fhirUser());
        field(out, row.sourceIp());
        field(out, row.purposeOfUse());
        list(out, row.patientRefs());
        list(out, row.resourceRefs());
        field(out, row.requestMethod());
        field(out, row.requestPath());
        field(out, row.operation());
        field(out, row.eventJson());
        return out.toString();
    }

    private static void field(StringBuilder out, String value) {
        if (value == null) {
            out.append("-;");
        } else {
            out.append(value.length()).append(':').append(value).append(';');
        }
    }

    private static void list(StringBuilder out, List<String> values) {
        List<String> v = values == null ? List.of() : values;
        out.append('[').append(v.size()).append(']');
        v.forEach(value -> field(out, value));
    }

    static String sha256Hex(String text) {
        try {
            MessageDigest digest = MessageDigest.getInstance("SHA-256");
            return HexFormat.of().formatHex(digest.digest(text.getBytes(StandardCharsets.UTF_8)));
        } catch (NoSuchAlgorithmException e) {
            throw new IllegalStateException("SHA-256 is not available", e);
        }
    }
}
