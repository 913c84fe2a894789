package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.awaitility.Awaitility.await;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.UriParam;
import java.sql.Connection;
import java.sql.Statement;
import java.time.Duration;
import java.util.concurrent.CompletableFuture;
import javax.sql.DataSource;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.junit.jupiter.api.Test;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Catalogue versions sit side by side in the store (version-specific ids), and replicas load one after the other
 * (an advisory lock). A test catalogue of its own (one PlanDefinition, versions 1.0.0 and 2.0.0) keeps the shared
 * database's regimens untouched.
 */
class CatalogueLoaderIT extends AbstractFhirServerIT {

    private static final String URL = "http://rehab-fhir.org/fhir/test/PlanDefinition/test-versioning";

    @Autowired
    private DaoRegistry daoRegistry;

    @Autowired
    private DataSource dataSource;

    @Autowired
    private FhirContext fhirContext;

    private CatalogueLoader loader(String version) {
        ProtocolCatalogue catalogue = ProtocolCatalogue.load(
                fhirContext, getClass().getClassLoader(), "test-catalogue/" + version + "/index.txt");
        return new CatalogueLoader(
                catalogue, daoRegistry, new EngineProperties(true, "", null, true, true), dataSource);
    }

    private PlanDefinition read(String id) {
        return daoRegistry
                .getResourceDao(PlanDefinition.class)
                .read(new IdType("PlanDefinition", id), new SystemRequestDetails());
    }

    @Test
    void aNewVersionIsStoredBesideTheOldOneWhichStaysAsItWas() {
        loader("1.0.0").load();
        loader("2.0.0").load();
        loader("2.0.0").load(); // a restart: updated in place, no third copy

        assertThat(read("test-versioning-1.0.0").getVersion()).isEqualTo("1.0.0");
        assertThat(read("test-versioning-2.0.0").getVersion()).isEqualTo("2.0.0");
        assertThat(daoRegistry
                        .getResourceDao(PlanDefinition.class)
                        .search(
                                SearchParameterMap.newSynchronous().add("url", new UriParam(URL)),
                                new SystemRequestDetails())
                        .size())
                .isEqualTo(2);
    }

    @Test
    void aRestartLeavesAnUnchangedResourceAloneAndPutsBackOneThatDiffersFromItsFile() {
        loader("1.0.0").load();
        String loaded = read("test-versioning-1.0.0").getMeta().getVersionId();

        // a restart with the same catalogue: nothing written
        assertThat(loader("1.0.0").load())
                .containsEntry(CatalogueLoader.Outcome.UNCHANGED, 1)
                .containsEntry(CatalogueLoader.Outcome.UPDATED, 0)
                .containsEntry(CatalogueLoader.Outcome.CREATED, 0);
        assertThat(read("test-versioning-1.0.0").getMeta().getVersionId()).isEqualTo(loaded);

        PlanDefinition drifted = read("test-versioning-1.0.0");
        drifted.setTitle("changed in the store, not in the catalogue file");
        daoRegistry.getResourceDao(PlanDefinition.class).update(drifted, new SystemRequestDetails());
        assertThat(loader("1.0.0").load()).containsEntry(CatalogueLoader.Outcome.UPDATED, 1); // the file wins again
        PlanDefinition restored = read("test-versioning-1.0.0");
        assertThat(restored.getTitle()).isNotEqualTo(drifted.getTitle());
        assertThat(Long.parseLong(restored.getMeta().getVersionId())).isGreaterThan(Long.parseLong(loaded) + 1);
    }

    @Test
    void aLoadWaitsWhileAnotherReplicaHoldsTheCatalogueLock() throws Exception {
        try (Connection otherReplica = dataSource.getConnection();
                Statement statement = otherReplica.createStatement()) {
            statement.execute("SELECT pg_advisory_lock(" + CatalogueLoader.LOCK_KEY + ")");
            CompletableFuture<Void> load =
                    CompletableFuture.runAsync(() -> loader("1.0.0").load());
            try {
                await().during(Duration.ofSeconds(2))
                        .atMost(Duration.ofSeconds(5))
                        .until(() -> !load.isDone());
            } finally {
                statement.execute("SELECT pg_advisory_unlock(" + CatalogueLoader.LOCK_KEY + ")");
            }
            await().atMost(Duration.ofSeconds(30)).until(load::isDone);
            load.get();
        }
    }
}
