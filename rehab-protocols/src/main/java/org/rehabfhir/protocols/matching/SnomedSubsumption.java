package org.rehabfhir.protocols.matching;

import java.util.Optional;

/**
 * SNOMED CT subsumption test. The server implements it with a terminology server's {@code CodeSystem/$subsumes};
 * {@link Optional#empty()} means "unknown" and the matcher falls back to the curated descendant table.
 * Implementations may throw; the matcher treats an exception like "unknown" and logs it.
 */
@FunctionalInterface
public interface SnomedSubsumption {

    /** Does {@code ancestorCode} subsume (equal or be an ancestor of) {@code descendantCode}? */
    Optional<Boolean> subsumes(String ancestorCode, String descendantCode);

    /** No terminology server: every answer is unknown. */
    SnomedSubsumption UNKNOWN = (ancestor, descendant) -> Optional.empty();
}
