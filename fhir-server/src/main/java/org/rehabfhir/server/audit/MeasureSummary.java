package org.rehabfhir.server.audit;

import java.math.BigDecimal;
import java.math.RoundingMode;
import java.time.Instant;
import java.util.ArrayList;
import java.util.Collection;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.rehabfhir.protocols.record.Observations;
import org.rehabfhir.protocols.record.Units;

/**
 * One outcome measure of one regimen in {@code $rehab-outcomes}, aggregated over patients: how many patients have a
 * value, how many have two or more (a change), how many values, and the mean change from each patient's first to last
 * value (by effective time, then id). Values are converted to the measure's UCUM unit first; a value whose unit does
 * not convert is left out, never summed with the others.
 *
 * @param meanChange empty without a patient with a change (3 decimals, half up)
 */
public record MeasureSummary(
        int patients, int patientsWithChange, int observations, Optional<BigDecimal> meanChange, String unit) {

    /** @param perPatient each patient's Observations of this measure (with a Quantity value) */
    public static MeasureSummary of(String unit, Collection<List<Observation>> perPatient) {
        int patients = 0;
        int withChange = 0;
        int count = 0;
        BigDecimal sum = BigDecimal.ZERO;
        for (List<Observation> observations : perPatient) {
            List<Value> values = new ArrayList<>();
            for (Observation observation : observations) {
                Optional<Instant> when = Observations.effective(observation);
                Optional<Double> value =
                        observation.getValue() instanceof Quantity q ? Units.in(q, unit) : Optional.empty();
                if (when.isPresent() && value.isPresent()) {
                    values.add(new Value(when.get(), observation.getIdElement().getIdPart(), value.get()));
                }
            }
            if (values.isEmpty()) {
                continue;
            }
            values.sort(Comparator.comparing(Value::when)
                    .thenComparing(Value::id, Comparator.nullsFirst(String::compareTo)));
            patients++;
            count += values.size();
            if (values.size() >= 2) {
                withChange++;
                sum = sum.add(BigDecimal.valueOf(values.get(values.size() - 1).value())
                        .subtract(BigDecimal.valueOf(values.get(0).value())));
            }
        }
        Optional<BigDecimal> mean = withChange == 0
                ? Optional.empty()
                : Optional.of(sum.divide(BigDecimal.valueOf(withChange), 3, RoundingMode.HALF_UP));
        return new MeasureSummary(patients, withChange, count, mean, unit);
    }

    private record Value(Instant when, String id, double value) {}
}
