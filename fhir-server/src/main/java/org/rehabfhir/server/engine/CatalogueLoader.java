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
import java.util.EnumMap;
import java.util.Map;
import java.util.function.Supplier;
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
    public void onReady() {
        if (!properties.loadCatalogue()) {
            log.info("Regimen catalogue not loaded (rehab.engine.load-catalogue=false)");
            return;
        }
        load();
    }

    /** Loads the catalogue under the lock. @return how many resources were created, updated and left unchanged */
    public Map<Outcome, Integer> load() {
        long started = System.nanoTime();
        return underLoadLock(dataSource, () -> loadLocked(started));
    }

    /**
     * Runs {@code work} holding the load's advisory lock ({@link #LOCK_KEY}): what replicas store at start, one after
     * the other.
     */
    static <T> T underLoadLock(DataSource dataSource, Supplier<T> work) {
        try (Connection lock = dataSource.getConnection()) {
            lock.setAutoCommit(false);
            try (Statement statement = lock.createStatement()) {
                // another replica's load may take longer than the pool's statement_timeout: wait up to 5 minutes
                statement.execute("SET LOCAL statement_timeout = '5min'");
                statement.execute("SELECT pg_advisory_xact_lock(" + LOCK_KEY + ")");
                return work.get();
            } finally {
                lock.commit(); // releases the transaction-scoped advisory lock
            }
        } catch (SQLException e) {
            throw new IllegalStateException("Could not take the catalogue load lock: " + e.getMessage(), e);
        }
    }

    private Map<Outcome, Integer> loadLocked(long started) {
        Map<Outcome, Integer> counts = new EnumMap<>(Outcome.class);
        for (Outcome o : Outcome.values()) {
            counts.put(o, 0);
        }
        for (IBaseResource resource : catalogue.allResources()) {
            counts.merge(upsert((MetadataResource) resource), 1, Integer::sum);
        }
        log.info(
                "Regimen catalogue loaded: {} PlanDefinitions, {} resources in all ({} created, {} updated, {} unchanged)"
                        + " in {} ms",
                catalogue.planDefinitions().size(),
                catalogue.allResources().size(),
                counts.get(Outcome.CREATED),
                counts.get(Outcome.UPDATED),
                counts.get(Outcome.UNCHANGED),
                (System.nanoTime() - started) / 1_000_000);
        return counts;
    }

    /** What the load did with one catalogue resource. */
    public enum Outcome {
        CREATED,
        UPDATED,
        UNCHANGED
    }

    /**
     * Stores one catalogue resource: created when its canonical URL and version is new, updated in place when the
     * stored one differs, left alone when the stored one has the same content (a restart: no write, no validation).
     */
    private Outcome upsert(MetadataResource resource) {
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
        if (existing.isEmpty()) {
            copy.setId(resource.fhirType() + "/" + storedId(resource));
            dao.update(copy, request);
            return Outcome.CREATED;
        }
        MetadataResource stored = (MetadataResource) existing.getResources(0, 1).get(0);
        if (sameContent(stored, resource)) {
            return Outcome.UNCHANGED;
        }
        copy.setId(stored.getIdElement().toUnqualifiedVersionless());
        dao.update(copy, request);
        return Outcome.UPDATED;
    }

    /**
     * The stored resource says what the catalogue file says: equal but for the id's version and the server's own
     * meta (version id, last updated, source).
     */
    static boolean sameContent(MetadataResource stored, MetadataResource fromCatalogue) {
        MetadataResource a = withoutServerMeta(stored);
        MetadataResource b = withoutServerMeta(fromCatalogue);
        return a.equalsDeep(b);
    }

    private static MetadataResource withoutServerMeta(MetadataResource resource) {
        MetadataResource copy = resource.copy();
        copy.setIdElement(null);
        copy.getMeta().setVersionIdElement(null).setLastUpdatedElement(null).setSourceElement(null);
        if (copy.getMeta().isEmpty()) {
            copy.setMeta(null);
        }
        return copy;
    }
}
