package org.rehabfhir.server.security;

import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.springframework.test.context.TestPropertySource;

/**
 * The secured server with CareTeam narrowing ON, as in production: a second Spring context (same PostgreSQL, same
 * Keycloak). Every narrowing test, and every care-pathway test, extends this class so that they share that one
 * extra context.
 */
// only the other secured context delivers Subscriptions (every context polls HAPI's queue table of changes)
@TestPropertySource(properties = {"rehab.security.care-team-narrowing=true", "rehab.subscriptions.enabled=false"})
public abstract class AbstractCareTeamNarrowingIT extends AbstractFhirServerIT {}
