package org.rehabfhir.server.bulk;

import ca.uhn.fhir.batch2.api.IJobCoordinator;
import ca.uhn.fhir.batch2.model.JobInstance;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.model.util.JpaConstants;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.util.Objects;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * {@code $export-poll-status} (status, file list, cancel) answers only the caller who started the export: the job's
 * files carry the caller ({@code Binary.securityContext}); another caller gets a 404, as for an unknown job.
 */
@Interceptor
public class ExportJobOwnership {

    private final IJobCoordinator jobs;

    public ExportJobOwnership(IJobCoordinator jobs) {
        this.jobs = jobs;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void onlyTheOwnerPolls(RequestDetails request) {
        if (!"$export-poll-status".equals(request.getOperation())) {
            return;
        }
        String[] ids = request.getParameters().get(JpaConstants.PARAM_EXPORT_POLL_STATUS_JOB_ID);
        CallerContext caller = RehabSecurityContext.current().orElse(null);
        if (ids == null || ids.length != 1 || caller == null) {
            return; // HAPI answers the missing job id; no caller: refused by the authorization rules
        }
        JobInstance job;
        try {
            job = jobs.getInstance(ids[0]);
        } catch (ResourceNotFoundException unknown) {
            throw new ResourceNotFoundException("No export job " + ids[0]);
        }
        BulkExportJobParameters parameters = job.getParameters(BulkExportJobParameters.class);
        if (!Objects.equals(parameters.getBinarySecurityContextIdentifierSystem(), caller.issuer())
                || !Objects.equals(parameters.getBinarySecurityContextIdentifierValue(), caller.subject())) {
            throw new ResourceNotFoundException("No export job " + ids[0]);
        }
    }
}
