package org.rehabfhir.server.bulk;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.api.IJobMaintenanceService;
import ca.uhn.fhir.batch2.maintenance.JobMaintenanceServiceImpl;
import ca.uhn.fhir.context.FhirContext;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * FHIR Bulk Data export with HAPI's JPA batch2 job (HAPI's {@code JpaBulkExportConfig} and {@code BulkExportAppCtx},
 * imported with HAPI's JPA and batch2 configuration; {@code BulkDataExportProvider} registered by
 * {@code RestfulServerConfig}): {@code $export} at system, {@code Patient} and {@code Group/{id}} level, polling with
 * {@code $export-poll-status}, NDJSON files as Binary resources that expire after
 * {@code rehab.bulk-export.file-retention}. Who may export which types: the auth module ({@code RoleRights},
 * {@code ExportScopeInterceptor}); who may download and poll: {@link ExportFileAccess}, {@link ExportJobOwnership}.
 */
@Configuration
public class BulkExportConfig {

    /** HAPI's batch2 maintenance pass (job step transitions) at {@code rehab.bulk-export.job-step-interval}. */
    @Bean
    public Batch2Pace batch2Pace(IJobMaintenanceService maintenance, BulkExportProperties properties) {
        if (maintenance instanceof JobMaintenanceServiceImpl impl) {
            // before HAPI's scheduler starts (on context refresh), which reads the frequency
            impl.setScheduledJobFrequencyMillis(properties.jobStepInterval().toMillis());
        }
        return new Batch2Pace(properties.jobStepInterval());
    }

    /** The interval HAPI's batch2 maintenance pass was given. */
    public record Batch2Pace(java.time.Duration interval) {}

    @Bean
    public ExportFileAccess exportFileAccess(FhirContext fhirContext) {
        return new ExportFileAccess(fhirContext);
    }

    @Bean
    public ExportJobOwnership exportJobOwnership(IJobCoordinator jobs) {
        return new ExportJobOwnership(jobs);
    }
}
