package org.rehabfhir.auth.discovery;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.rehabfhir.auth.config.RehabSecurityProperties;

/** The SMART App Launch 2 discovery document ({@code .well-known/smart-configuration}) of this server. */
public final class SmartConfiguration {

    /** The resource scopes the realm offers (as client scopes), plus the OpenID ones. */
    public static final List<String> BUILT_IN_SCOPES = List.of(
            "openid",
            "fhirUser",
            "profile",
            "user/Patient.rs",
            "user/Condition.rs",
            "user/CarePlan.crus",
            "user/CarePlan.cru",
            "user/CarePlan.rs",
            "user/Goal.crus",
            "user/Goal.cru",
            "user/Observation.crus",
            "user/Observation.rs",
            "user/PlanDefinition.rs",
            "user/ActivityDefinition.rs",
            "user/CareTeam.rs",
            "user/ServiceRequest.rs",
            "user/Questionnaire.rs",
            "user/QuestionnaireResponse.crus",
            "user/DocumentReference.crs",
            "user/AuditEvent.rs",
            "user/Provenance.rs",
            "system/Patient.crus",
            "system/Condition.crus",
            "system/Observation.crs",
            "system/CarePlan.rs",
            "system/ServiceRequest.crus",
            "system/CareTeam.crus",
            "system/Encounter.crus",
            "system/Procedure.crus",
            "system/MedicationRequest.crus",
            "system/Medication.crus",
            "system/MedicationStatement.crus",
            "system/AllergyIntolerance.crus",
            "system/Practitioner.crus",
            "system/PractitionerRole.crus",
            "system/Organization.crus",
            "system/Location.crus",
            "system/DocumentReference.crus",
            "system/DiagnosticReport.crus",
            "system/Subscription.crus",
            "system/Group.crus",
            "system/Binary.r",
            "user/Binary.r");

    public static final List<String> CAPABILITIES = List.of(
            "launch-standalone",
            "client-public",
            "client-confidential-symmetric",
            "client-confidential-asymmetric",
            "context-standalone-patient",
            "sso-openid-connect",
            "permission-v1",
            "permission-v2",
            "permission-user");

    private final Map<String, Object> document;
    private final boolean cors;

    public SmartConfiguration(RehabSecurityProperties properties) {
        this.cors = properties.getCors().isEnabled();
        Set<String> scopes = new LinkedHashSet<>(BUILT_IN_SCOPES);
        scopes.addAll(properties.getSmart().getExtraScopes());
        Map<String, Object> doc = new LinkedHashMap<>();
        doc.put("issuer", properties.getIssuerUri());
        doc.put("jwks_uri", properties.effectiveJwksUri());
        doc.put("authorization_endpoint", properties.effectiveAuthorizationEndpoint());
        doc.put("token_endpoint", properties.effectiveTokenEndpoint());
        doc.put("grant_types_supported", List.of("authorization_code", "client_credentials"));
        doc.put("response_types_supported", List.of("code"));
        doc.put("code_challenge_methods_supported", List.of("S256"));
        doc.put(
                "token_endpoint_auth_methods_supported",
                List.of("private_key_jwt", "client_secret_basic", "client_secret_post"));
        doc.put("token_endpoint_auth_signing_alg_values_supported", List.of("RS256"));
        doc.put("scopes_supported", new ArrayList<>(scopes));
        doc.put("capabilities", CAPABILITIES);
        this.document = java.util.Collections.unmodifiableMap(doc);
    }

    /** The document as an ordered map (serialised as JSON by Jackson). */
    public Map<String, Object> asMap() {
        return document;
    }

    public String tokenEndpoint() {
        return (String) document.get("token_endpoint");
    }

    public String authorizationEndpoint() {
        return (String) document.get("authorization_endpoint");
    }

    /** Whether browser apps on other origins may call the server ({@code rehab.security.cors.allowed-origins}). */
    public boolean cors() {
        return cors;
    }
}
