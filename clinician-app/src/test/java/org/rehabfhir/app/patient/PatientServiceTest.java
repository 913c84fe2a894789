package org.rehabfhir.app.patient;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;
import org.junit.jupiter.api.Test;
import org.rehabfhir.app.fhir.Fhir;

class PatientServiceTest {

    static Observation obs(String code, double value, String when) {
        Observation o = new Observation();
        o.setCode(new CodeableConcept(new Coding(Fhir.LOINC, code, null)));
        o.setEffective(new DateTimeType(when));
        o.setValue(new Quantity(value));
        return o;
    }

    @Test
    void trendIsFirstAndLatestByTimeWithTheSignedChange() {
        List<Observation> observations = List.of(
                obs(Fhir.LOINC_TUG, 12.5, "2026-11-10T10:00:00Z"),
                obs(Fhir.LOINC_TUG, 14.0, "2026-11-01T10:00:00Z"),
                obs(Fhir.LOINC_PAIN, 5, "2026-11-01T10:00:00Z"));
        PatientView.TrendRow tug =
                PatientService.trend(OutcomeMeasure.TUG, observations).orElseThrow();
        assertThat(tug.first()).isEqualTo("14");
        assertThat(tug.latest()).isEqualTo("12.5");
        assertThat(tug.change()).isEqualTo("-1.5");
        assertThat(tug.count()).isEqualTo(2);
        PatientView.TrendRow pain =
                PatientService.trend(OutcomeMeasure.PAIN, observations).orElseThrow();
        assertThat(pain.change()).isEmpty(); // one measurement: no change
        assertThat(PatientService.trend(OutcomeMeasure.RPE, observations)).isEmpty();
    }

    @Test
    void currentPlanIsTheActiveOneElseTheOneOnHold() {
        PatientView view = new PatientView(
                "p",
                "n",
                "",
                List.of(),
                List.of(),
                List.of(
                        new PatientView.PlanRow("1", "a", "draft", "", "", false),
                        new PatientView.PlanRow("2", "b", "on-hold", "", "", false),
                        new PatientView.PlanRow("3", "c", "active", "", "", true)),
                List.of(),
                List.of());
        assertThat(view.currentPlan().id()).isEqualTo("3");
        assertThat(view.draftPlan().id()).isEqualTo("1");
    }
}
