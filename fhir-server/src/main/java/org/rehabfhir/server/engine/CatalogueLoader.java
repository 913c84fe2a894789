package org.rehabfhir.server.engine;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import java.sql.Connection;
import java.sql.SQLException;
import java.sql.Statement;
import javax.sql.DataSource;
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
 * Puts the regimen catalogue (CodeSystems, ConceptMap, extension StructureDefinitions, Questionnaire,
 * ActivityDefinitions, PlanDefinitions) into the FHIR store at start, before the server reports ready. Every version
 * sits beside the others: a resource is stored under a <em>version-specific</em> id ({@link #storedId}, e.g.
 * {@code PlanDefinition/bw-knee-osteoarthritis-0.1.0}); one with the same canonical URL and version already stored is
 * updated in place (whatever its id); an older version is never touched. Replicas starting together load one after
 * the other: the load holds a PostgreSQL advisory lock ({@link #LOCK_KEY}).
 */
@Component
public class CatalogueLoader {

    private static final Logger log = LoggerFactory.getLogger(CatalogueLoader.class);
    /** The advisory lock key of the catalogue load ("RehabCat" in ASCII). */
    public static final long LOCK_KEY = 0x5265686162436174L;

    private final ProtocolCatalogue catalogue;
    private final DaoRegistry daoRegistry;
    private final EngineProperties properties;
    private final DataSource dataSource;

    public CatalogueLoader(
            ProtocolCatalogue catalogue, DaoRegistry daoRegistry, EngineProperties properties, DataSource dataSource) {
        this.catalogue = catalogue;
        this.daoRegistry = daoRegistry;
        this.properties = properties;
        this.dataSource = dataSource;
    }

    /** The id a catalogue resource is stored under: its catalogue id and its version ({@code <id>-<version>}). */
    public static String storedId(MetadataResource resource) {
        String id = resource.getIdElement().getIdPart();
        return resource.hasVersion() ? id + "-" + resource.getVersion() : id;
    }

    @Order(0)
    @EventListener(ApplicationReadyEvent.class)
    public void load() {
        if (!properties.loadCatalogue()) {
            log.info("Regimen catalogue not loaded (rehab.engine.load-catalogue=false)");
            return;
        }
        long started = System.nanoTime();
        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                // another replica's load may take longer than the pool's statement_timeout: wait up to 5 minutes
                statement.execute("SET LOCAL statement_timeout = '5min'");
                statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                loadLocked(started);
            } finally {
                lock.commit(); // releases the transaction-scoped advisory lock
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not take the catalogue load lock: " + e.getMessage(), e);
        }
    }

    private void loadLocked(long started) {
        int created = 0;
        int updated = 0;
        for (IBaseResource resource : catalogue.allResources()) {
            if (upsert((MetadataResource) resource)) {
                created++;
            } else {
                updated++;
            }
        }
        log.info(
                "Regimen catalogue loaded: {} PlanDefinitions, {} resources in all ({} created, {} updated) in {} ms",
                catalogue.planDefinitions().size(),
                created + updated,
                created,
                updated,
                (System.nanoTime() - started) / 1_000_000);
    }

    /** @return true when created, false when the same canonical URL and version was updated in place */
    private boolean upsert(MetadataResource resource) {
        @SuppressWarnings("unchecked")
        IFhirResourceDao<MetadataResource> dao =
                (IFhirResourceDao<MetadataResource>) daoRegistry.getResourceDao(resource.fhirType());
        SystemRequestDetails request = new SystemRequestDetails();
        SearchParameterMap byCanonical =
                SearchParameterMap.newSynchronous().add("url", new UriParam(resource.getUrl()));
        if (resource.hasVersion()) {
            byCanonical.add("version", new TokenParam(resource.getVersion()));
        }
        IBundleProvider existing = dao.search(byCanonical, request);
        MetadataResource copy = resource.copy();
        boolean create = existing.isEmpty();
        if (!create) {
            copy.setId(existing.getResources(0, 1).get(0).getIdElement().toUnqualifiedVersionless());
        } else {
            copy.setId(resource.fhirType() + "/" + storedId(resource));
        }
        dao.update(copy, request);
        return create;
    }
}
