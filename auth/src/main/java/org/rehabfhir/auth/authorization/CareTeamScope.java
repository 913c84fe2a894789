package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.rest.api.server.RequestDetails;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import com.github.benmanes.caffeine.cache.Ticker;
import java.time.Duration;
import java.util.Collections;
import java.util.LinkedHashSet;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.smart.RehabRole;

/**
 * Decides whether a request is narrowed to a CareTeam and to which patients, once per request (cached in the
 * request's user data, so the lookup runs once even though several interceptors ask).
 *
 * <p>Between requests a practitioner's patients are kept for {@code rehab.security.care-team-cache-ttl} (default
 * 5 s; 0: looked up for every request), so that a physiotherapist's every read and write does not cost the lookup's
 * searches. The server calls {@link #patientsChanged()} when a write that can change anyone's patients (a CareTeam,
 * a referral, a PractitionerRole) has committed: from then on every practitioner's patients are looked up again,
 * also when a lookup that started before the change ends after it (the generation it started in is no longer
 * current). A change written through another server process takes effect here within the time to live.
 */
public final class CareTeamScope {

    private static final String CACHE_KEY = CareTeamScope.class.getName() + ".patients";
    /** At most this many practitioners' patients kept at once. */
    private static final long MAX_PRACTITIONERS = 10_000;

    private final boolean enabled;
    private final CareTeamPatientLookup lookup;
    /** null when nothing is kept between requests. */
    private final Cache<String, Kept> kept;
    /** Advanced by every committed change: what was looked up in an older generation is not served. */
    private final AtomicLong generation = new AtomicLong();

    private record Kept(Set<String> patients, long generation) {}

    /** Without keeping the patients between requests. */
    public CareTeamScope(boolean enabled, CareTeamPatientLookup lookup) {
        this(enabled, lookup, Duration.ZERO, Ticker.systemTicker());
    }

    public CareTeamScope(boolean enabled, CareTeamPatientLookup lookup, Duration ttl) {
        this(enabled, lookup, ttl, Ticker.systemTicker());
    }

    CareTeamScope(boolean enabled, CareTeamPatientLookup lookup, Duration ttl, Ticker ticker) {
        if (enabled && lookup == null) {
            throw new IllegalStateException(
                    "rehab.security.care-team-narrowing=true needs a CareTeamPatientLookup bean");
        }
        this.enabled = enabled;
        this.lookup = lookup;
        this.kept = ttl == null || ttl.isZero() || ttl.isNegative()
                ? null
                : Caffeine.newBuilder()
                        .expireAfterWrite(ttl)
                        .maximumSize(MAX_PRACTITIONERS)
                        .ticker(ticker)
                        .build();
    }

    /**
     * A write that may change which patients a practitioner reaches has committed: nothing looked up before is
     * served again.
     */
    public void patientsChanged() {
        generation.incrementAndGet();
        if (kept != null) {
            kept.invalidateAll();
        }
    }

    public boolean enabled() {
        return enabled;
    }

    /** A physiotherapist (who is not also an auditor) is narrowed when narrowing is on. */
    public boolean appliesTo(CallerContext caller) {
        return enabled
                && caller.rights().hasRole(RehabRole.PHYSIOTHERAPIST)
                && !caller.rights().hasRole(RehabRole.AUDITOR);
    }

    /**
     * The patients (as {@code Patient/<id>}) the caller is limited to, or empty when the caller is not narrowed.
     * A narrowed caller without {@code fhirUser} or without a CareTeam gets an empty set: no patient data.
     */
    @SuppressWarnings("unchecked")
    public Optional<Set<String>> patientsFor(CallerContext caller, RequestDetails request) {
        if (!appliesTo(caller)) {
            return Optional.empty();
        }
        Object cached = request == null ? null : request.getUserData().get(CACHE_KEY);
        if (cached instanceof Set<?> set) {
            return Optional.of((Set<String>) set);
        }
        Set<String> result =
                caller.fhirUser() == null || caller.fhirUser().isBlank() ? Set.of() : patientsOf(caller.fhirUser());
        if (request != null) {
            request.getUserData().put(CACHE_KEY, result);
        }
        return Optional.of(result);
    }

    private Set<String> patientsOf(String practitioner) {
        long current = generation.get();
        if (kept != null) {
            Kept known = kept.getIfPresent(practitioner);
            if (known != null && known.generation() == current) {
                return known.patients();
            }
        }
        Set<String> patients = new LinkedHashSet<>();
        for (String id : lookup.patientIdsFor(practitioner)) {
            if (id != null && !id.isBlank()) {
                patients.add(id.startsWith("Patient/") ? id : "Patient/" + id);
            }
        }
        Set<String> result = Collections.unmodifiableSet(patients);
        if (kept != null) {
            // a change committed while this lookup ran has advanced the generation: this result is not served again
            kept.put(practitioner, new Kept(result, current));
        }
        return result;
    }
}
