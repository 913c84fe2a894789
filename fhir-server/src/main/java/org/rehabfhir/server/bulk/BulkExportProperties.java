package org.rehabfhir.server.bulk;

import java.time.Duration;
import org.springframework.boot.context.properties.ConfigurationProperties;

/**
 * Bulk Data export, under {@code rehab.bulk-export}.
 *
 * @param fileRetention how long the export files (Binary resources) and the job are kept after the export; HAPI
 *     deletes them afterwards (whole hours, at least 1; default 2 h)
 * @param jobStepInterval how often HAPI's batch2 maintenance pass moves jobs on (an export takes a few passes;
 *     default 10 s, HAPI's own default 1 minute)
 */
@ConfigurationProperties(prefix = "rehab.bulk-export")
public record BulkExportProperties(Duration fileRetention, Duration jobStepInterval) {

    public BulkExportProperties {
        fileRetention = fileRetention == null ? Duration.ofHours(2) : fileRetention;
        jobStepInterval = jobStepInterval == null ? Duration.ofSeconds(10) : jobStepInterval;
        if (fileRetention.toHours() < 1) {
            throw new IllegalArgumentException(
                    "rehab.bulk-export.file-retention must be at least 1h, not " + fileRetention);
        }
    }

    /** For HAPI's {@code JpaStorageSettings.setBulkExportFileRetentionPeriodHours}. */
    public int fileRetentionHours() {
        return Math.toIntExact(fileRetention.toHours());
    }
}
