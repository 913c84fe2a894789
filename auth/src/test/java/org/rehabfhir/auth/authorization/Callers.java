package org.rehabfhir.auth.authorization;

import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.SmartScope;

/** Test callers with the scopes the realm gives them. */
final class Callers {

    static final String PHYSIO_SCOPES = "openid fhirUser user/Patient.rs user/Condition.rs user/CarePlan.crus "
            + "user/Goal.crus user/Observation.crus user/PlanDefinition.rs user/ActivityDefinition.rs user/CareTeam.rs "
            + "user/ServiceRequest.rs user/Questionnaire.rs user/QuestionnaireResponse.crus user/DocumentReference.crs";
    static final String AUDITOR_SCOPES =
            "openid user/Observation.rs user/CarePlan.rs user/AuditEvent.rs user/Provenance.rs";
    static final String HOSPITAL_SCOPES =
            "system/Patient.crus system/Condition.crus system/Observation.crs system/CarePlan.rs "
                    + "system/ServiceRequest.crus system/CareTeam.crus";
    static final String JWT_CLIENT_SCOPES = "system/Patient.crus system/Observation.crs";

    private Callers() {}

    static CallerContext caller(String name, String fhirUser, String scopes, String... roles) {
        Set<SmartScope> smart = SmartScope.parseAll(scopes);
        return new CallerContext(
                "sub-" + name,
                name,
                "test-client",
                "jti-" + name,
                fhirUser,
                "http://issuer",
                List.of(roles),
                List.of(scopes.split(" ")),
                smart,
                EffectiveRights.of(smart, List.of(roles), null));
    }

    static CallerContext alice() {
        return caller("alice", "Practitioner/alice", PHYSIO_SCOPES, "physiotherapist");
    }

    static CallerContext audrey() {
        return caller("audrey", "Practitioner/audrey", AUDITOR_SCOPES, "auditor");
    }

    static CallerContext hospital() {
        return caller("service-account-ehr-demo-hospital", null, HOSPITAL_SCOPES, "ehr-system");
    }

    static CallerContext jwtClient() {
        return caller("service-account-ehr-demo-jwt", null, JWT_CLIENT_SCOPES, "ehr-system");
    }

    /** A mutable holder so that one interceptor instance can serve several callers in a test. */
    static final class Current implements Supplier<Optional<CallerContext>> {
        private CallerContext caller;

        void set(CallerContext caller) {
            this.caller = caller;
        }

        @Override
        public Optional<CallerContext> get() {
            return Optional.ofNullable(caller);
        }
    }
}
