package org.rehabfhir.app.audit;

import java.util.ArrayList;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;

/** Auditor screen 2: per regimen, patients and plans counted and the mean change of each outcome measure. */
public record OutcomesView(String condition, List<Regimen> regimens) {

    /** Condition groups of the catalogue the auditor can pick. */
    public static final Map<String, String> CONDITION_GROUPS = groups();

    /** {@code suppressed}: the server withholds the counts (fewer patients than its minimum cell size). */
    public record Regimen(
            String canonical,
            String title,
            String patients,
            String carePlans,
            List<Measure> measures,
            boolean suppressed) {

        /** Chart data: measure labels and mean changes (measures without a change are left out). */
        public Map<String, Object> chart() {
            List<String> labels = new ArrayList<>();
            List<Double> values = new ArrayList<>();
            for (Measure m : measures) {
                if (!m.meanChange().isEmpty() && !m.suppressed()) {
                    labels.add(m.label() + (m.unit().isEmpty() ? "" : " (" + m.unit() + ")"));
                    values.add(Double.parseDouble(m.meanChange()));
                }
            }
            Map<String, Object> chart = new LinkedHashMap<>();
            chart.put("type", "bar");
            chart.put("labels", labels);
            chart.put("label", "Mean change, first to last measurement");
            chart.put("values", values);
            return chart;
        }

        public boolean hasChange() {
            return !suppressed
                    && measures.stream().anyMatch(m -> !m.meanChange().isEmpty() && !m.suppressed());
        }
    }

    public record Measure(
            String label,
            String patients,
            String patientsWithChange,
            String observations,
            String meanChange,
            String unit,
            boolean suppressed) {}

    static OutcomesView from(Parameters out, String condition) {
        List<Regimen> regimens = new ArrayList<>();
        for (ParametersParameterComponent r : out.getParameter()) {
            if (!"regimen".equals(r.getName())) {
                continue;
            }
            List<Measure> measures = new ArrayList<>();
            for (ParametersParameterComponent m : AuditService.parts(r, "measure")) {
                Coding code = AuditService.value(m, "code") instanceof Coding c ? c : new Coding();
                measures.add(new Measure(
                        code.hasDisplay() ? code.getDisplay() : code.getCode(),
                        AuditService.text(AuditService.value(m, "patients")),
                        AuditService.text(AuditService.value(m, "patientsWithChange")),
                        AuditService.text(AuditService.value(m, "observations")),
                        AuditService.text(AuditService.value(m, "meanChange")),
                        AuditService.text(AuditService.value(m, "unit")),
                        "true".equals(AuditService.text(AuditService.value(m, "suppressed")))));
            }
            regimens.add(new Regimen(
                    AuditService.text(AuditService.value(r, "canonical")),
                    AuditService.text(AuditService.value(r, "title")),
                    AuditService.text(AuditService.value(r, "patients")),
                    AuditService.text(AuditService.value(r, "carePlans")),
                    measures,
                    "true".equals(AuditService.text(AuditService.value(r, "suppressed")))));
        }
        return new OutcomesView(condition, regimens);
    }

    private static Map<String, String> groups() {
        Map<String, String> g = new LinkedHashMap<>();
        g.put("knee-osteoarthritis", "Knee osteoarthritis");
        g.put("stroke-chronic", "Stroke (chronic)");
        g.put("stroke-acute", "Stroke (acute, inpatient)");
        g.put("parkinsons-disease", "Parkinson's disease");
        g.put("multiple-sclerosis", "Multiple sclerosis");
        g.put("acl-reconstruction", "ACL reconstruction");
        g.put("patellofemoral-pain", "Patellofemoral pain");
        g.put("chronic-low-back-pain-hamstrings", "Chronic low back pain / hamstrings");
        g.put("older-adult-fall-risk", "Older adults at fall risk");
        return java.util.Collections.unmodifiableMap(g);
    }
}
