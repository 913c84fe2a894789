package org.rehabfhir.server.openapi;

import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.openapi.OpenApiInterceptor;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import io.swagger.v3.oas.models.Components;
import io.swagger.v3.oas.models.OpenAPI;
import io.swagger.v3.oas.models.security.SecurityRequirement;
import io.swagger.v3.oas.models.security.SecurityScheme;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.stereotype.Component;

/**
 * HAPI's {@link OpenApiInterceptor}: an OpenAPI 3 description of the FHIR API at {@code /fhir/api-docs} and Swagger
 * UI at {@code /fhir/swagger-ui/}, both public like {@code /fhir/metadata}. HAPI derives it from the
 * CapabilityStatement, which lists only what some role may do (types, interactions, operations:
 * {@code SmartCapabilityStatementInterceptor}), so the description is as truthful as the CapabilityStatement. Every
 * call needs a bearer token (Swagger UI: "Authorize", paste an access token). Switch:
 * {@code rehab.fhir.openapi.enabled} (default true).
 */
@Component
@Interceptor
@ConditionalOnProperty(prefix = "rehab.fhir.openapi", name = "enabled", havingValue = "true", matchIfMissing = true)
public class RehabOpenApiInterceptor extends OpenApiInterceptor {

    static final String BEARER = "bearer";

    @Override
    protected OpenAPI generateOpenApi(ServletRequestDetails request) {
        OpenAPI openApi = super.generateOpenApi(request);
        if (openApi.getComponents() == null) {
            openApi.setComponents(new Components());
        }
        openApi.getComponents()
                .addSecuritySchemes(
                        BEARER,
                        new SecurityScheme()
                                .type(SecurityScheme.Type.HTTP)
                                .scheme("bearer")
                                .bearerFormat("JWT")
                                .description(
                                        "An access token from the Keycloak realm (SMART Backend Services for EHR systems,"
                                                + " see .well-known/smart-configuration); what it may do = its SMART scopes intersected with"
                                                + " its realm role."));
        openApi.addSecurityItem(new SecurityRequirement().addList(BEARER));
        return openApi;
    }
}
