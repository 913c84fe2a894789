package org.rehabfhir.server.engine;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.MetadataResource;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.boot.context.event.ApplicationReadyEvent;
import org.springframework.context.event.EventListener;
import org.springframework.core.annotation.Order;
import org.springframework.stereotype.Component;

/**
 * Puts the regimen catalogue (CodeSystems, ConceptMap, extension StructureDefinitions, ActivityDefinitions,
 * PlanDefinitions) into the FHIR store at start: a resource with the same canonical URL and version is updated in
 * place, otherwise the resource is stored under the catalogue's id. Runs before the server reports ready.
 */
@Component
public class CatalogueLoader {

	private static final Logger log = LoggerFactory.getLogger(CatalogueLoader.class);

	private final ProtocolCatalogue catalogue;
	private final DaoRegistry daoRegistry;
	private final EngineProperties properties;

	public CatalogueLoader(ProtocolCatalogue catalogue, DaoRegistry daoRegistry, EngineProperties properties) {
		this.catalogue = catalogue;
		this.daoRegistry = daoRegistry;
		this.properties = properties;
	}

	@Order(0)
	@EventListener(ApplicationReadyEvent.class)
	public void load() {
		if (!properties.loadCatalogue()) {
			log.info("Regimen catalogue not loaded (rehab.engine.load-catalogue=false)");
			return;
		}
		long started = System.nanoTime();
		int created = 0;
		int updated = 0;
		for (IBaseResource resource : catalogue.allResources()) {
			if (upsert((MetadataResource) resource)) {
				created++;
			} else {
				updated++;
			}
		}
		log.info("Regimen catalogue loaded: {} PlanDefinitions, {} resources in all ({} created, {} updated) in {} ms",
				catalogue.planDefinitions().size(), created + updated, created, updated,
				(System.nanoTime() - started) / 1_000_000);
	}

	/** @return true when created, false when an existing resource was updated */
	private boolean upsert(MetadataResource resource) {
		@SuppressWarnings("unchecked")
		IFhirResourceDao<MetadataResource> dao =
				(IFhirResourceDao<MetadataResource>) daoRegistry.getResourceDao(resource.fhirType());
		SystemRequestDetails request = new SystemRequestDetails();
		SearchParameterMap byCanonical = SearchParameterMap.newSynchronous()
				.add("url", new UriParam(resource.getUrl()));
		if (resource.hasVersion()) {
			byCanonical.add("version", new TokenParam(resource.getVersion()));
		}
		IBundleProvider existing = dao.search(byCanonical, request);
		MetadataResource copy = resource.copy();
		boolean create = existing.isEmpty();
		if (!create) {
			copy.setId(existing.getResources(0, 1).get(0).getIdElement().toUnqualifiedVersionless());
		} else {
			copy.setId(resource.fhirType() + "/" + resource.getIdElement().getIdPart());
		}
		dao.update(copy, request);
		return create;
	}
}
