package org.rehabfhir.auth.discovery;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;

/**
 * Advertises SMART on FHIR in the CapabilityStatement's {@code rest.security}: the SMART-on-FHIR service coding
 * and the {@code oauth-uris} extension (token and authorize endpoints), as SMART App Launch requires. R4 only.
 * It also withdraws what no role may ever do: {@code delete} and conditional delete (clinical records are never
 * deleted; a wrong entry is marked {@code entered-in-error}).
 */
@Interceptor
public class SmartCapabilityStatementInterceptor {

	public static final String SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service";
	public static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

	private final SmartConfiguration configuration;

	public SmartCapabilityStatementInterceptor(SmartConfiguration configuration) {
		this.configuration = configuration;
	}

	@Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
	public void addSecurity(IBaseConformance capabilityStatement) {
		if (!(capabilityStatement instanceof CapabilityStatement cs)) {
			return;
		}
		if (cs.getRest().isEmpty()) {
			cs.addRest().setMode(CapabilityStatement.RestfulCapabilityMode.SERVER);
		}
		for (CapabilityStatementRestComponent rest : cs.getRest()) {
			CapabilityStatementRestSecurityComponent security = new CapabilityStatementRestSecurityComponent();
			security.setCors(configuration.cors());
			security.addService(new CodeableConcept()
					.addCoding(new org.hl7.fhir.r4.model.Coding(SERVICE_SYSTEM, "SMART-on-FHIR", "SMART-on-FHIR"))
					.setText("OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"));
			Extension oauth = security.addExtension().setUrl(OAUTH_URIS);
			oauth.addExtension(new Extension("token", new UriType(configuration.tokenEndpoint())));
			oauth.addExtension(new Extension("authorize", new UriType(configuration.authorizationEndpoint())));
			security.setDescription("Bearer access tokens from the Keycloak realm; SMART App Launch 2 scopes "
					+ "intersected with the realm roles physiotherapist, auditor, ehr-system. "
					+ "See .well-known/smart-configuration.");
			rest.setSecurity(security);
			for (CapabilityStatement.CapabilityStatementRestResourceComponent resource : rest.getResource()) {
				resource.getInteraction().removeIf(i -> i.getCode() == CapabilityStatement.TypeRestfulInteraction.DELETE);
				resource.setConditionalDelete(CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED);
			}
		}
	}
}
