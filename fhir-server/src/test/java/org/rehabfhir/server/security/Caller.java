package org.rehabfhir.server.security;

import java.time.Duration;
import java.time.Instant;
import java.util.function.Supplier;
import org.rehabfhir.devservices.KeycloakServer;
import org.rehabfhir.server.support.Tokens;

/** The demo callers of the realm, each with a real Keycloak access token (cached a minute; they live five). */
enum Caller {
	/** alice, physiotherapist: Patient rs, Condition rs, CarePlan cru, Goal cru, Observation crus, PlanDefinition rs, ActivityDefinition rs. */
	PHYSIO(() -> Tokens.user("alice")),
	/** audrey, auditor: Observation rs, CarePlan rs, AuditEvent rs, Provenance rs. */
	AUDITOR(() -> Tokens.user("audrey")),
	/** ehr-demo-hospital (client secret): Patient crus, Condition crus, Observation crs, CarePlan rs. */
	EHR(Tokens::ehr),
	/** ehr-demo-jwt (private_key_jwt): Patient crus, Observation crs. */
	EHR_JWT(() -> KeycloakServer.shared().tokens().ehrJwtToken());

	private final Supplier<String> fetch;
	private String token;
	private Instant fetched = Instant.EPOCH;

	Caller(Supplier<String> fetch) {
		this.fetch = fetch;
	}

	synchronized String token() {
		if (token == null || fetched.plus(Duration.ofSeconds(60)).isBefore(Instant.now())) {
			token = fetch.get();
			fetched = Instant.now();
		}
		return token;
	}
}
