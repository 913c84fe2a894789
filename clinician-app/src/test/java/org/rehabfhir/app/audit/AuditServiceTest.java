package org.rehabfhir.app.audit;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.Date;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;

class AuditServiceTest {

    static Parameters page(int total, int offset, Integer next) {
        Parameters p = new Parameters();
        p.addParameter().setName("total").setValue(new IntegerType(total));
        p.addParameter().setName("offset").setValue(new IntegerType(offset));
        if (next != null) {
            p.addParameter().setName("nextOffset").setValue(new IntegerType(next));
        }
        Parameters.ParametersParameterComponent a = p.addParameter().setName("access");
        a.addPart().setName("date").setValue(new DateTimeType(new Date(0)));
        a.addPart().setName("interaction").setValue(new CodeType("read"));
        a.addPart().setName("what").setValue(new StringType("GET Patient/1"));
        a.addPart()
                .setName("outcome")
                .setValue(new Coding("http://hl7.org/fhir/audit-event-outcome", "4", "Minor failure"));
        a.addPart().setName("httpStatus").setValue(new IntegerType(403));
        Parameters.ParametersParameterComponent agent = a.addPart().setName("agent");
        agent.addPart().setName("name").setValue(new StringType("bob"));
        agent.addPart().setName("role").setValue(new Coding("x", "physiotherapist", null));
        agent.addPart().setName("client").setValue(new StringType("rehab-clinician-bff"));
        a.addPart().setName("purposeOfUse").setValue(new Coding("v3", "TREAT", null));
        a.addPart().setName("auditEvent").setValue(new Reference("AuditEvent/7"));
        return p;
    }

    @Test
    void shapesAnAccessLogPageForTheTable() {
        AccessLogFilter filter = new AccessLogFilter("1", null, null, null, true, 5);
        AccessLogView view = AuditService.toView(page(12, 5, 10), filter, 5);
        assertThat(view.total()).isEqualTo(12);
        assertThat(view.nextOffset()).isEqualTo(10);
        assertThat(view.previousOffset()).isZero();
        assertThat(view.firstShown()).isEqualTo(6);
        AccessLogView.Entry e = view.entries().get(0);
        assertThat(e.agent()).isEqualTo("bob");
        assertThat(e.roles()).isEqualTo("physiotherapist");
        assertThat(e.client()).isEqualTo("rehab-clinician-bff");
        assertThat(e.what()).isEqualTo("GET Patient/1");
        assertThat(e.outcome()).isEqualTo("Minor failure");
        assertThat(e.failed()).isTrue();
        assertThat(e.status()).isEqualTo("403");
        assertThat(e.purposes()).isEqualTo("TREAT");
        assertThat(e.auditEvent()).isEqualTo("AuditEvent/7");
    }

    @Test
    void firstAndLastPagesHaveNoPreviousOrNext() {
        AccessLogView first =
                AuditService.toView(page(1, 0, null), new AccessLogFilter("1", null, null, null, false, 0), 5);
        assertThat(first.previousOffset()).isNull();
        assertThat(first.nextOffset()).isNull();
    }

    @Test
    void outcomesCarryTheMeansAndTheServersWithheldCells() {
        Parameters p = new Parameters();
        Parameters.ParametersParameterComponent r = p.addParameter().setName("regimen");
        r.addPart().setName("canonical").setValue(new StringType("http://x/PlanDefinition/knee"));
        r.addPart().setName("title").setValue(new StringType("Knee"));
        r.addPart().setName("patients").setValue(new IntegerType(7));
        Parameters.ParametersParameterComponent m = r.addPart().setName("measure");
        m.addPart().setName("code").setValue(new Coding("http://loinc.org", "72514-3", "Pain"));
        m.addPart().setName("meanChange").setValue(new org.hl7.fhir.r4.model.DecimalType("-1.500"));
        m.addPart().setName("unit").setValue(new StringType("{score}"));
        Parameters.ParametersParameterComponent hidden = r.addPart().setName("measure");
        hidden.addPart().setName("code").setValue(new Coding("http://loinc.org", "89423-8", "TUG"));
        hidden.addPart().setName("suppressed").setValue(new org.hl7.fhir.r4.model.BooleanType(true));
        OutcomesView view = OutcomesView.from(p, "knee-osteoarthritis");
        OutcomesView.Regimen regimen = view.regimens().get(0);
        assertThat(regimen.patients()).isEqualTo("7");
        assertThat(regimen.measures().get(1).suppressed()).isTrue();
        assertThat(regimen.chart().get("labels")).isEqualTo(java.util.List.of("Pain ({score})"));
        assertThat(regimen.chart().get("values")).isEqualTo(java.util.List.of(-1.5));
    }
}
