package org.rehabfhir.server.config;

import ca.uhn.fhir.jpa.migrate.DriverTypeEnum;
import ca.uhn.fhir.jpa.migrate.HapiMigrator;
import ca.uhn.fhir.jpa.migrate.MigrationResult;
import ca.uhn.fhir.jpa.migrate.SchemaMigrator;
import ca.uhn.fhir.jpa.migrate.tasks.HapiFhirJpaMigrationTasks;
import ca.uhn.fhir.util.VersionEnum;
import java.util.Set;
import javax.sql.DataSource;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI FHIR's own schema for PostgreSQL, created and upgraded by HAPI's migrator (the tasks of every HAPI
 * version, recorded in table {@code FLY_HFJ_MIGRATION}; a lock row keeps two starting servers from migrating at
 * once). Runs before the entity manager starts; Hibernate then only uses the schema, it never alters it. Then one
 * column's planner statistics are set back to PostgreSQL's default ({@link PlannerStatistics}).
 */
public class HapiSchemaMigration {

    private static final Logger log = LoggerFactory.getLogger(HapiSchemaMigration.class);

    private final MigrationResult result;

    public HapiSchemaMigration(DataSource dataSource) {
        long started = System.nanoTime();
        HapiMigrator migrator =
                new HapiMigrator(SchemaMigrator.HAPI_FHIR_MIGRATION_TABLENAME, dataSource, DriverTypeEnum.POSTGRES_9_4);
        migrator.addTasks(new HapiFhirJpaMigrationTasks(Set.of()).getAllTasks(VersionEnum.values()));
        migrator.createMigrationTableIfRequired();
        result = migrator.migrate();
        if (!result.failedTasks.isEmpty()) {
            throw new IllegalStateException("HAPI FHIR schema migration failed: " + result.summary());
        }
        log.info(
                "HAPI FHIR schema up to date: {} migration tasks applied in {} ms",
                result.succeededTasks.size(),
                (System.nanoTime() - started) / 1_000_000);
        PlannerStatistics.apply(dataSource);
    }

    public int appliedTasks() {
        return result.succeededTasks.size();
    }
}
