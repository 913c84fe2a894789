package org.rehabfhir.auth.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import org.junit.jupiter.api.Test;

class ExportScopeInterceptorTest {

    private static final FhirContext FHIR = FhirContext.forR4Cached();
    private static final String AUDITOR_WITH_FILES = Callers.AUDITOR_SCOPES + " user/Binary.r";

    private static SystemRequestDetails request(String type) {
        SystemRequestDetails request = new SystemRequestDetails();
        request.setFhirContext(FHIR);
        Map<String, String[]> parameters = new HashMap<>();
        if (type != null) {
            parameters.put("_type", new String[] {type});
        }
        request.setParameters(parameters);
        return request;
    }

    private static BulkExportJobParameters parameters(String... types) {
        BulkExportJobParameters p = new BulkExportJobParameters();
        p.setResourceTypes(List.of(types));
        return p;
    }

    @Test
    void exportableTypesAreTheReadableOnesWithoutBinaryAndAuditEvent() {
        var audrey = Callers.caller("audrey", null, AUDITOR_WITH_FILES, "auditor");
        assertThat(ExportScopeInterceptor.exportableTypes(FHIR, audrey.rights()))
                .containsExactly("CarePlan", "Observation", "Provenance");
    }

    @Test
    void withoutTypeTheDefaultListIsNarrowedAndTheFilesMarkedAsTheCallers() {
        var audrey = Callers.caller("audrey", null, AUDITOR_WITH_FILES, "auditor");
        BulkExportJobParameters p = parameters("Patient", "Observation", "Goal", "CarePlan", "Binary", "AuditEvent");
        new ExportScopeInterceptor(() -> Optional.of(audrey)).narrowExport(p, request(null));
        assertThat(p.getResourceTypes()).containsExactlyInAnyOrder("Observation", "CarePlan");
        assertThat(p.getBinarySecurityContextIdentifierSystem()).isEqualTo("http://issuer");
        assertThat(p.getBinarySecurityContextIdentifierValue()).isEqualTo("sub-audrey");
    }

    @Test
    void anExplicitTypeTheTokenMayNotReadIsRefusedNamingIt() {
        var narrow = Callers.caller("audrey", null, "openid user/Observation.rs user/Binary.r", "auditor");
        ExportScopeInterceptor interceptor = new ExportScopeInterceptor(() -> Optional.of(narrow));
        assertThatThrownBy(() -> interceptor.narrowExport(
                        parameters("Observation", "CarePlan"), request("Observation,CarePlan")))
                .isInstanceOf(ForbiddenOperationException.class)
                .hasMessageContaining("CarePlan");
    }

    @Test
    void nothingExportableIsRefused() {
        var none = Callers.caller("audrey", null, "openid user/Binary.r", "auditor");
        assertThatThrownBy(() -> new ExportScopeInterceptor(() -> Optional.of(none))
                        .narrowExport(parameters("Observation"), request(null)))
                .isInstanceOf(ForbiddenOperationException.class)
                .hasMessageContaining("nothing");
    }
}
