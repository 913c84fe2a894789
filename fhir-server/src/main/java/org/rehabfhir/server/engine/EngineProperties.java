package org.rehabfhir.server.engine;

import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Settings of the protocol engine, under {@code rehab.engine}.
 *
 * @param loadCatalogue create or update the regimen catalogue (by canonical URL and version) at start
 * @param terminologyUrl base URL of a FHIR terminology server offering {@code CodeSystem/$subsumes} for SNOMED CT;
 *     empty: the engine's curated table of descendants is used alone
 */
@ConfigurationProperties(prefix = "rehab.engine")
public record EngineProperties(Boolean loadCatalogue, String terminologyUrl) {

	public EngineProperties {
		if (loadCatalogue == null) {
			loadCatalogue = Boolean.TRUE;
		}
	}
}
