package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.math.BigDecimal;
import java.time.Instant;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

/** The aggregation of {@code $rehab-outcomes}, on data made here (the ITs run it over HTTP). */
class MeasureSummaryTest {

    private static final String UCUM = "http://unitsofmeasure.org";

    @Test
    void theMeanChangeIsFromEachPatientsFirstToLastValueInTime() {
        // patient A: 14 s -> 12 s -> 10 s (posted out of order); patient B: 20 s -> 17 s; patient C: one value only
        List<Observation> a =
                List.of(tug("a3", "2026-11-20", 10), tug("a1", "2026-11-01", 14), tug("a2", "2026-11-10", 12));
        List<Observation> b = List.of(tug("b1", "2026-11-02", 20), tug("b2", "2026-11-16", 17));
        List<Observation> c = List.of(tug("c1", "2026-11-03", 9));

        MeasureSummary summary = MeasureSummary.of("s", List.of(a, b, c));

        assertThat(summary.patients()).isEqualTo(3);
        assertThat(summary.patientsWithChange()).isEqualTo(2);
        assertThat(summary.observations()).isEqualTo(6);
        assertThat(summary.meanChange()).contains(new BigDecimal("-3.500")); // (-4 + -3) / 2
        assertThat(summary.unit()).isEqualTo("s");
    }

    @Test
    void valuesInAnotherUcumUnitAreConvertedBeforeTheyAreSummed() {
        // 15,000 ms is 15 s: the change is 15 s -> 11 s, not 15000 -> 11
        List<Observation> a = List.of(quantity("a1", "2026-11-01", 15000, "ms"), tug("a2", "2026-11-15", 11));

        assertThat(MeasureSummary.of("s", List.of(a)).meanChange()).contains(new BigDecimal("-4.000"));
    }

    @Test
    void aValueWhoseUnitDoesNotConvertIsLeftOut() {
        List<Observation> a = List.of(tug("a1", "2026-11-01", 14), quantity("a2", "2026-11-15", 3, "m"));

        MeasureSummary summary = MeasureSummary.of("s", List.of(a));

        assertThat(summary.observations()).isEqualTo(1);
        assertThat(summary.patientsWithChange()).isZero();
        assertThat(summary.meanChange()).isEmpty();
    }

    @Test
    void withoutAnyValueNothingIsCounted() {
        Observation textOnly = new Observation().setValue(new StringType("walked well"));
        textOnly.setEffective(new DateTimeType(Date.from(Instant.parse("2026-11-01T10:00:00Z"))));
        Observation undated = new Observation()
                .setValue(new Quantity().setValue(3).setSystem(UCUM).setCode("s"));

        MeasureSummary summary = MeasureSummary.of("s", List.of(List.of(textOnly, undated), List.of()));

        assertThat(summary.patients()).isZero();
        assertThat(summary.observations()).isZero();
        assertThat(summary.meanChange()).isEmpty();
    }

    private static Observation tug(String id, String day, double seconds) {
        return quantity(id, day, seconds, "s");
    }

    private static Observation quantity(String id, String day, double value, String unit) {
        Observation o = new Observation();
        o.setId(id);
        o.setEffective(new DateTimeType(Date.from(Instant.parse(day + "T10:00:00Z"))));
        o.setValue(new Quantity().setValue(value).setSystem(UCUM).setCode(unit).setUnit(unit));
        return o;
    }
}
