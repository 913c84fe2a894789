package org.rehabfhir.app.session;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.junit.jupiter.api.Test;

class SessionFormTest {

    @Test
    void theFormBecomesTheRecordSessionParametersWithTheirTypes() {
        Map<String, String> form = new HashMap<>(Map.of(
                "date",
                "2026-11-28T10:00",
                "minutes",
                "10",
                "surface",
                "overground",
                "supervision",
                "2",
                "rpe",
                "4",
                "painBefore",
                "3",
                "pain24h",
                "3",
                "nearFall",
                "false",
                "fall",
                "false"));
        form.put("heartRate", "");
        Map<String, String> errors = new HashMap<>();
        Parameters p = SessionForm.parameters(form, errors);
        assertThat(errors).isEmpty();
        assertThat(p.getParameter("date").getValue()).isInstanceOf(DateTimeType.class);
        assertThat(p.getParameter("minutes").getValue()).isInstanceOf(DecimalType.class);
        assertThat(p.getParameter("surface").getValue()).isInstanceOf(CodeType.class);
        assertThat(p.getParameter("supervision").getValue().primitiveValue()).isEqualTo("2");
        assertThat(p.getParameter("rpe").getValue()).isInstanceOf(IntegerType.class);
        assertThat(p.getParameter("nearFall").getValue()).isInstanceOf(BooleanType.class);
        assertThat(p.getParameter("heartRate")).isNull(); // optional, left empty
        assertThat(p.getParameter("speed")).isNull();
    }

    @Test
    void valuesThatAreNotNumbersAreErrorsOfTheirField() {
        Map<String, String> errors = new HashMap<>();
        SessionForm.parameters(Map.of("rpe", "four", "minutes", "ten", "date", "yesterday"), errors);
        assertThat(errors).containsOnlyKeys("rpe", "minutes", "date");
    }
}
