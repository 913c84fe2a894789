package org.rehabfhir.server.engine;

import java.time.ZoneId;
import java.time.ZoneOffset;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the protocol engine, under {@code rehab.engine}.
 *
 * @param loadCatalogue create the regimen catalogue's resources (by canonical URL and version) at start
 * @param terminologyUrl base URL of a FHIR terminology server offering {@code CodeSystem/$subsumes} for SNOMED CT;
 *     empty: the engine's curated table of descendants is used alone
 * @param zone the clinic's time zone (e.g. {@code Europe/Berlin}): which calendar day "today" is, and the day of every
 *     dated entry of a record (recency windows, "same day as the session", goal start); default UTC, never the JVM's
 * @param pathwayHooks register the care pathway's storage hooks (screen responses become Observations, plan
 *     activation re-screens and stores Goals); default true. Off only for the benchmark's bare server.
 * @param textCandidateIndex keep and read the server's index of the engine's text candidates
 *     ({@link TextCandidateIndex}); default true. Off for a rolling update from a release that did not load stored
 *     SearchParameters (its replicas would write Observations without the index's rows), on again once every
 *     replica runs this release.
 */
@ConfigurationProperties(prefix = "rehab.engine")
public record EngineProperties(
        Boolean loadCatalogue, String terminologyUrl, ZoneId zone, Boolean pathwayHooks, Boolean textCandidateIndex) {

    public EngineProperties {
        if (loadCatalogue == null) {
            loadCatalogue = Boolean.TRUE;
        }
        if (zone == null) {
            zone = ZoneOffset.UTC;
        }
        if (pathwayHooks == null) {
            pathwayHooks = Boolean.TRUE;
        }
        if (textCandidateIndex == null) {
            textCandidateIndex = Boolean.TRUE;
        }
    }
}
