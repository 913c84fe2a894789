package org.rehabfhir.protocols.progress;

import java.time.Instant;
import java.util.List;
import java.util.Optional;

/**
 * One session as the rules see it. Pain change = NRS 12-36 h after the session minus the last NRS in the 24 h before
 * it (or at its start).
 */
public record SessionSummary(
        Instant start,
        Optional<Double> durationMin,
        Optional<Double> rpe,
        Optional<Double> painBefore,
        Optional<Double> painAt24h,
        boolean nearFall,
        Optional<Double> heartRate,
        List<String> references) {

    public SessionSummary {
        references = List.copyOf(references);
    }

    public Optional<Double> painIncrease() {
        return painBefore.isPresent() && painAt24h.isPresent()
                ? Optional.of(painAt24h.get() - painBefore.get())
                : Optional.empty();
    }
}
