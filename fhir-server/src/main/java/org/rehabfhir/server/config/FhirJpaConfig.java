package org.rehabfhir.server.config;

import ca.uhn.fhir.batch2.jobs.config.Batch2JobsConfig;
import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.jpa.api.config.JpaStorageSettings;
import ca.uhn.fhir.jpa.api.config.ThreadPoolFactoryConfig;
import ca.uhn.fhir.jpa.batch2.JpaBatch2Config;
import ca.uhn.fhir.jpa.config.HapiJpaConfig;
import ca.uhn.fhir.jpa.config.r4.JpaR4Config;
import ca.uhn.fhir.jpa.config.util.HapiEntityManagerFactoryUtil;
import ca.uhn.fhir.jpa.model.config.PartitionSettings;
import ca.uhn.fhir.jpa.subscription.channel.config.SubscriptionChannelConfig;
import jakarta.persistence.EntityManagerFactory;
import javax.sql.DataSource;
import org.hibernate.cfg.AvailableSettings;
import org.rehabfhir.server.bulk.BulkExportProperties;
import org.springframework.beans.factory.config.ConfigurableListableBeanFactory;
import org.springframework.boot.autoconfigure.orm.jpa.JpaProperties;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.context.annotation.Import;
import org.springframework.context.annotation.Primary;
import org.springframework.core.env.Environment;
import org.springframework.orm.jpa.JpaTransactionManager;
import org.springframework.orm.jpa.LocalContainerEntityManagerFactoryBean;

/**
 * The HAPI FHIR JPA server (R4), as HAPI's JPA server starter builds it: HAPI's own configuration classes plus
 * the beans they expect from the application (storage settings, the entity manager on our PostgreSQL data
 * source, the transaction manager).
 */
@Configuration
@Import({
    JpaR4Config.class,
    HapiJpaConfig.class,
    JpaBatch2Config.class,
    Batch2JobsConfig.class,
    ThreadPoolFactoryConfig.class,
    // in-process message channels that HAPI's batch jobs and REST-hook Subscriptions run on
    // (subscription.SubscriptionConfig)
    SubscriptionChannelConfig.class
})
public class FhirJpaConfig {

    @Bean
    public JpaStorageSettings jpaStorageSettings(BulkExportProperties bulkExport) {
        JpaStorageSettings settings = new JpaStorageSettings();
        settings.setAllowExternalReferences(false);
        settings.setAllowMultipleDelete(false);
        // Clinical records are never deleted (no role holds the right: RoleRights), so HAPI may also cache the
        // resolution of resource ids: a write's references (subject, basedOn, ...) then cost no query each.
        settings.setDeleteEnabled(false);
        settings.setExpungeEnabled(false);
        settings.setDeleteExpungeEnabled(false);
        settings.setAutoCreatePlaceholderReferenceTargets(false);
        settings.setEnforceReferentialIntegrityOnWrite(true);
        settings.setEnforceReferentialIntegrityOnDelete(true);
        settings.setIndexMissingFields(JpaStorageSettings.IndexEnabledEnum.DISABLED);
        // HAPI loads the stored SearchParameters only with this on (its name says less than it does): the server's own
        // (engine.TextCandidateIndex). No role may write a SearchParameter (RoleRights): they come with a release.
        settings.setDefaultSearchParamsCanBeOverridden(true);
        settings.setResourceServerIdStrategy(JpaStorageSettings.IdStrategyEnum.SEQUENTIAL_NUMERIC);
        settings.setResourceClientIdStrategy(JpaStorageSettings.ClientIdStrategyEnum.ALPHANUMERIC);
        settings.setMarkResourcesForReindexingUponSearchParameterChange(true);
        settings.setBundleBatchPoolSize(1);
        // A search always reads the current data: a clinician who saves a plan and searches again must see it.
        settings.setReuseCachedSearchResultsForMillis(null);
        // Bulk Data export (bulk.BulkExportConfig): files expire; every export is a job of its own caller
        settings.setBulkExportFileRetentionPeriodHours(bulkExport.fileRetentionHours());
        settings.setEnableBulkExportJobReuse(false);
        return settings;
    }

    /** No development defaults: refuses to start without a database and a token issuer. */
    @Bean
    public static ProductionSettingsCheck productionSettingsCheck(Environment environment) {
        return new ProductionSettingsCheck(environment);
    }

    @Bean
    public PartitionSettings partitionSettings() {
        return new PartitionSettings();
    }

    @Bean
    public HapiSchemaMigration hapiSchemaMigration(DataSource dataSource) {
        return new HapiSchemaMigration(dataSource);
    }

    /** The schema is HAPI's, made by {@link HapiSchemaMigration} first (hence the parameter); Hibernate only uses it. */
    @Primary
    @Bean
    public LocalContainerEntityManagerFactoryBean entityManagerFactory(
            HapiSchemaMigration schema,
            ConfigurableListableBeanFactory beanFactory,
            FhirContext fhirContext,
            JpaStorageSettings storageSettings,
            JpaProperties jpaProperties,
            DataSource dataSource) {
        LocalContainerEntityManagerFactoryBean factory =
                HapiEntityManagerFactoryUtil.newEntityManagerFactory(beanFactory, fhirContext, storageSettings);
        var properties = jpaProperties.getProperties();
        properties.putIfAbsent(AvailableSettings.SCANNER, "org.hibernate.boot.archive.scan.internal.DisabledScanner");
        properties.putIfAbsent(AvailableSettings.HBM2DDL_AUTO, "none");
        properties.putIfAbsent(AvailableSettings.STATEMENT_BATCH_SIZE, "20");
        properties.putIfAbsent(AvailableSettings.USE_QUERY_CACHE, "false");
        properties.putIfAbsent(AvailableSettings.USE_SECOND_LEVEL_CACHE, "false");
        properties.putIfAbsent(AvailableSettings.USE_STRUCTURED_CACHE, "false");
        properties.putIfAbsent(AvailableSettings.USE_MINIMAL_PUTS, "false");
        properties.putIfAbsent("hibernate.search.enabled", "false");
        factory.setPersistenceUnitName("HAPI_PU");
        factory.setJpaPropertyMap(properties);
        factory.setDataSource(dataSource);
        return factory;
    }

    @Primary
    @Bean
    public JpaTransactionManager transactionManager(EntityManagerFactory entityManagerFactory) {
        return new JpaTransactionManager(entityManagerFactory);
    }
}
