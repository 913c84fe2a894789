package org.rehabfhir.server.security;

import java.util.function.Supplier;
import org.rehabfhir.server.support.Tokens;

/** The demo callers of the realm, each with a real Keycloak access token. */
enum Caller {
    /** alice, physiotherapist: Patient rs, Condition rs, CarePlan cru, Goal cru, Observation crus, PlanDefinition rs, ActivityDefinition rs. */
    PHYSIO(() -> Tokens.user("alice")),
    /** audrey, auditor: Observation rs, CarePlan rs, AuditEvent rs, Provenance rs. */
    AUDITOR(() -> Tokens.user("audrey")),
    /** ehr-demo-hospital (client secret): Patient crus, Condition crus, Observation crs, CarePlan rs. */
    EHR(Tokens::ehr),
    /** ehr-demo-jwt (private_key_jwt): Patient crus, Observation crs. */
    EHR_JWT(Tokens::ehrJwt);

    private final Supplier<String> token;

    Caller(Supplier<String> token) {
        this.token = token;
    }

    /** A real Keycloak access token of this caller ({@link Tokens} keeps it a minute; they live five). */
    String token() {
        return token.get();
    }
}
