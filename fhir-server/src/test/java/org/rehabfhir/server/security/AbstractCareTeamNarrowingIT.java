package org.rehabfhir.server.security;

import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.test.context.TestPropertySource;

/**
 * The secured server with CareTeam narrowing ON: a second Spring context (same PostgreSQL, same Keycloak). Every
 * narrowing test extends this class so that they share that one extra context.
 */
@TestPropertySource(properties = "rehab.security.care-team-narrowing=true")
abstract class AbstractCareTeamNarrowingIT extends AbstractFhirServerIT {}
