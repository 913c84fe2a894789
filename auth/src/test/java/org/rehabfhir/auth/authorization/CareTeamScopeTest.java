package org.rehabfhir.auth.authorization;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.time.Duration;
import java.util.ArrayList;
import java.util.List;
import java.util.Set;
import java.util.concurrent.atomic.AtomicLong;
import java.util.concurrent.atomic.AtomicReference;
import org.junit.jupiter.api.Test;

class CareTeamScopeTest {

    private static final Duration TTL = Duration.ofSeconds(5);

    private final AtomicLong nanos = new AtomicLong();
    private final List<String> asked = new ArrayList<>();
    private final AtomicReference<Set<String>> stored = new AtomicReference<>(Set.of("p1"));
    private Runnable duringLookup = () -> {};

    private final CareTeamPatientLookup lookup = practitioner -> {
        asked.add(practitioner);
        Set<String> now = stored.get();
        duringLookup.run();
        return now;
    };

    private final CareTeamScope scope = new CareTeamScope(true, lookup, TTL, nanos::get);

    private Set<String> patientsOfAlice() {
        return scope.patientsFor(Callers.alice(), new ServletRequestDetails()).orElseThrow();
    }

    @Test
    void aPractitionersPatientsAreLookedUpOncePerWindow() {
        assertThat(patientsOfAlice()).containsExactly("Patient/p1");
        nanos.addAndGet(TTL.minusMillis(1).toNanos());
        stored.set(Set.of("p2"));
        assertThat(patientsOfAlice()).containsExactly("Patient/p1");
        assertThat(asked).hasSize(1);

        nanos.addAndGet(Duration.ofMillis(2).toNanos());
        assertThat(patientsOfAlice()).containsExactly("Patient/p2");
        assertThat(asked).hasSize(2);
    }

    @Test
    void aCommittedChangeIsSeenOnTheNextRequest() {
        assertThat(patientsOfAlice()).containsExactly("Patient/p1");
        stored.set(Set.of("p1", "p2"));
        scope.patientsChanged();
        assertThat(patientsOfAlice()).containsExactlyInAnyOrder("Patient/p1", "Patient/p2");
        assertThat(asked).hasSize(2);
    }

    @Test
    void aLookupThatRanAcrossAChangeIsNotServedAgain() {
        // the lookup read the old patients, then the change committed before the lookup ended
        duringLookup = () -> {
            stored.set(Set.of("p2"));
            scope.patientsChanged();
        };
        assertThat(patientsOfAlice()).containsExactly("Patient/p1");
        duringLookup = () -> {};
        assertThat(patientsOfAlice()).containsExactly("Patient/p2");
        assertThat(asked).hasSize(2);
    }

    @Test
    void withoutATimeToLiveEveryRequestLooksUp() {
        CareTeamScope uncached = new CareTeamScope(true, lookup, Duration.ZERO);
        uncached.patientsFor(Callers.alice(), new ServletRequestDetails());
        uncached.patientsFor(Callers.alice(), new ServletRequestDetails());
        assertThat(asked).hasSize(2);
    }

    @Test
    void severalAsksInOneRequestLookUpOnce() {
        CareTeamScope uncached = new CareTeamScope(true, lookup, Duration.ZERO);
        ServletRequestDetails request = new ServletRequestDetails();
        uncached.patientsFor(Callers.alice(), request);
        uncached.patientsFor(Callers.alice(), request);
        assertThat(asked).hasSize(1);
    }

    @Test
    void practitionersAreKeptApart() {
        assertThat(patientsOfAlice()).containsExactly("Patient/p1");
        stored.set(Set.of("p9"));
        assertThat(scope.patientsFor(
                                Callers.caller("bob", "Practitioner/bob", Callers.PHYSIO_SCOPES, "physiotherapist"),
                                new ServletRequestDetails())
                        .orElseThrow())
                .containsExactly("Patient/p9");
        assertThat(asked).containsExactly("Practitioner/alice", "Practitioner/bob");
    }
}
