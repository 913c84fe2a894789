package org.rehabfhir.server.benchmark;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.EnumMap;
import java.util.Map;
import org.junit.jupiter.api.AfterEach;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.audit.AuditProperties;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Benchmark, not a test (its name matches none of failsafe's default patterns, so {@code ./mvnw verify} skips it):
 * authenticated Observation creates per second over HTTP (EHR client token, authorization, validation, PostgreSQL)
 * on one running server and one database, with the audit trail off and on, switched at runtime through
 * {@link AuditProperties}. Run:
 * {@code ./mvnw -pl fhir-server verify -Dit.test=AuditOverheadBenchmark -Dbenchmark.creates=500 | grep BENCHMARK}.
 *
 * <p>Three modes: OFF (no AuditEvent, no Provenance), AUDIT (AuditEvent only: the cost of the audit trail) and FULL
 * (AuditEvent and Provenance: what production runs). After a warm-up, the creates of each mode are made in
 * interleaved rounds (OFF, AUDIT, FULL, OFF, ...) so that drift (JIT, cache, table growth) hits every mode alike.
 * Target: AUDIT keeps at least 85% of OFF's throughput.
 */
class AuditOverheadBenchmark extends AbstractFhirServerIT {

    private static final Logger log = LoggerFactory.getLogger(AuditOverheadBenchmark.class);

    enum Mode {
        OFF(false, false),
        AUDIT(true, false),
        FULL(true, true);

        final boolean audit;
        final boolean provenance;

        Mode(boolean audit, boolean provenance) {
            this.audit = audit;
            this.provenance = provenance;
        }
    }

    @Autowired
    AuditProperties audit;

    @AfterEach
    void restore() {
        audit.setEnabled(true);
        audit.setProvenanceEnabled(true);
    }

    @Test
    void observationCreateThroughputWithAndWithoutAudit() {
        int creates = Integer.getInteger("benchmark.creates", 500);
        int rounds = Integer.getInteger("benchmark.rounds", 5);
        int warmup = Integer.getInteger("benchmark.warmup", 100);
        int perRound = Math.max(1, creates / rounds);
        String patient = ehr().create()
                .resource(TestData.patient(TestData.uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();

        for (Mode mode : Mode.values()) {
            run(mode, patient, warmup);
        }
        Map<Mode, Long> nanos = new EnumMap<>(Mode.class);
        Map<Mode, Integer> counts = new EnumMap<>(Mode.class);
        for (int round = 0; round < rounds; round++) {
            for (Mode mode : Mode.values()) {
                nanos.merge(mode, run(mode, patient, perRound), Long::sum);
                counts.merge(mode, perRound, Integer::sum);
            }
        }
        double off = perSecond(counts.get(Mode.OFF), nanos.get(Mode.OFF));
        double on = perSecond(counts.get(Mode.AUDIT), nanos.get(Mode.AUDIT));
        double full = perSecond(counts.get(Mode.FULL), nanos.get(Mode.FULL));
        log.info(
                "BENCHMARK audit overhead: {} Observation creates per mode ({} rounds of {}, warm-up {} per mode),"
                        + " sequential, one client, EHR token",
                counts.get(Mode.OFF),
                rounds,
                perRound,
                warmup);
        log.info(String.format("BENCHMARK audit OFF             : %.1f creates/s (%.2f ms each)", off, 1000 / off));
        log.info(String.format(
                "BENCHMARK audit ON (AuditEvent) : %.1f creates/s (%.2f ms each), ratio ON/OFF %.3f (cost %.1f%%)",
                on, 1000 / on, on / off, 100 * (1 - on / off)));
        log.info(String.format(
                "BENCHMARK audit ON + Provenance : %.1f creates/s (%.2f ms each), ratio FULL/OFF %.3f (cost %.1f%%)",
                full, 1000 / full, full / off, 100 * (1 - full / off)));
        assertThat(on).isPositive();
    }

    private long run(Mode mode, String patient, int n) {
        audit.setEnabled(mode.audit);
        audit.setProvenanceEnabled(mode.provenance);
        IGenericClient client = clientWithToken(Tokens.ehr());
        long start = System.nanoTime();
        for (int i = 0; i < n; i++) {
            client.create()
                    .resource(TestData.timedUpAndGo(patient, 10 + (i % 50) / 10.0, "2026-05-04T10:00:00Z"))
                    .execute();
        }
        return System.nanoTime() - start;
    }

    private static double perSecond(int count, long nanos) {
        return count / (nanos / 1e9);
    }
}
