package org.rehabfhir.app.progress;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import com.fasterxml.jackson.core.JsonProcessingException;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.math.BigDecimal;
import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.Date;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.TreeSet;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.rehabfhir.app.fhir.Bundles;
import org.rehabfhir.app.fhir.Fhir;
import org.rehabfhir.app.patient.OutcomeMeasure;
import org.springframework.stereotype.Service;

/** Reads what the progress page shows: the decision, the outcome Observations, the sessions and the Goals' targets. */
@Service
public class ProgressService {

    static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("yyyy-MM-dd");
    private final ObjectMapper json;

    public ProgressService(ObjectMapper json) {
        this.json = json;
    }

    public ProgressView load(IGenericClient fhir, String planId) {
        CarePlan plan = fhir.read().resource(CarePlan.class).withId(planId).execute();
        String patientRef = plan.getSubject().getReference();
        Patient patient = fhir.read()
                .resource(Patient.class)
                .withId(plan.getSubject().getReferenceElement().getIdPart())
                .execute();
        Parameters evaluation = fhir.operation()
                .onInstance("CarePlan/" + planId)
                .named("$evaluate-progress")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        String decision = "";
        String label = "";
        if (evaluation.getParameter("decision") != null
                && evaluation.getParameter("decision").getValue() instanceof Coding c) {
            decision = c.getCode();
            label = c.hasDisplay() ? c.getDisplay() : c.getCode();
        }
        List<String> reasons = new ArrayList<>();
        String proposal = "";
        int sessionsEvaluated = 0;
        for (ParametersParameterComponent p : evaluation.getParameter()) {
            switch (p.getName()) {
                case "reason" -> reasons.add(p.getValue().primitiveValue());
                case "sessionsEvaluated" -> sessionsEvaluated =
                        Integer.parseInt(p.getValue().primitiveValue());
                case "proposedActivity" -> proposal = proposal(p);
                default -> {}
            }
        }

        Bundle found = fhir.search()
                .forResource(Observation.class)
                .where(new ReferenceClientParam("patient").hasId(patientRef))
                .and(new TokenClientParam("code").exactly().codings(OutcomeMeasure.allCodings()))
                .sort()
                .ascending("date")
                .count(200)
                .returnBundle(Bundle.class)
                .execute();
        List<Observation> outcomes = Bundles.allPages(fhir, found, Observation.class, 10);
        Bundle sessionBundle = fhir.search()
                .forResource(Observation.class)
                .where(new ReferenceClientParam("patient").hasId(patientRef))
                .and(new TokenClientParam("code").exactly().systemAndCode(Fhir.LOINC, Fhir.LOINC_DURATION))
                .sort()
                .ascending("date")
                .count(200)
                .returnBundle(Bundle.class)
                .execute();
        List<String> sessionDays = new ArrayList<>();
        for (Observation o : Bundles.allPages(fhir, sessionBundle, Observation.class, 10)) {
            if (o.hasEffectiveDateTimeType()) {
                sessionDays.add(day(o.getEffectiveDateTimeType().getValue()));
            }
        }
        List<Goal> goals = goals(fhir, patientRef, plan);
        List<ProgressView.Chart> charts = new ArrayList<>();
        for (OutcomeMeasure m : OutcomeMeasure.values()) {
            charts.add(chart(m, outcomes, sessionDays, target(m, goals)));
        }
        List<String> goalTexts = goals.stream()
                .map(g -> Fhir.text(g.getDescription())
                        + (g.hasAchievementStatus() ? " · " + Fhir.text(g.getAchievementStatus()) : ""))
                .toList();
        return new ProgressView(
                planId,
                plan.hasTitle() ? plan.getTitle() : "Care plan " + planId,
                plan.getStatus() == null ? "" : plan.getStatus().toCode(),
                patient.getIdPart(),
                Fhir.name(patient),
                decision,
                label,
                reasons,
                proposal,
                sessionsEvaluated,
                charts,
                goalTexts);
    }

    static String proposal(ParametersParameterComponent p) {
        String dimension = "";
        String from = "";
        String to = "";
        String description = "";
        for (ParametersParameterComponent part : p.getPart()) {
            switch (part.getName()) {
                case "dimension" -> dimension = part.getValue().primitiveValue();
                case "from" -> from = part.getValue().primitiveValue();
                case "to" -> to = part.getValue().primitiveValue();
                case "description" -> description = part.getValue().primitiveValue();
                default -> {}
            }
        }
        String change = dimension.isEmpty() ? "" : dimension + ": " + from + " → " + to;
        return (change + (description.isEmpty() ? "" : (change.isEmpty() ? "" : ". ") + description)).trim();
    }

    /** The stored Goals of the patient (for this plan where they say so), else the plan's contained ones. */
    static List<Goal> goals(IGenericClient fhir, String patientRef, CarePlan plan) {
        List<Goal> goals = new ArrayList<>();
        try {
            Bundle found = fhir.search()
                    .forResource(Goal.class)
                    .where(new ReferenceClientParam("patient").hasId(patientRef))
                    .count(50)
                    .returnBundle(Bundle.class)
                    .execute();
            List<String> planGoals = plan.getGoal().stream()
                    .map(r -> r.getReferenceElement().toUnqualifiedVersionless().getValue())
                    .toList();
            for (Goal g : Bundles.resources(found, Goal.class)) {
                if (planGoals.isEmpty()
                        || planGoals.contains(
                                g.getIdElement().toUnqualifiedVersionless().getValue())) {
                    goals.add(g);
                }
            }
        } catch (ForbiddenOperationException noGoalSearch) {
            // older servers: the goals stay contained in the plan
        }
        if (goals.isEmpty()) {
            for (Resource r : plan.getContained()) {
                if (r instanceof Goal g) {
                    goals.add(g);
                }
            }
        }
        return goals;
    }

    /** The goal's target value for this measure (a quantity, or the range's bound that is the goal). */
    static BigDecimal target(OutcomeMeasure m, List<Goal> goals) {
        for (Goal g : goals) {
            for (Goal.GoalTargetComponent t : g.getTarget()) {
                if (t.hasMeasure() && Fhir.hasCode(t.getMeasure(), m.system(), m.code())) {
                    if (t.hasDetailQuantity()) {
                        return t.getDetailQuantity().getValue();
                    }
                    if (t.hasDetailRange()) {
                        return m.lowerIsBetter() && t.getDetailRange().hasHigh()
                                ? t.getDetailRange().getHigh().getValue()
                                : t.getDetailRange().hasLow()
                                        ? t.getDetailRange().getLow().getValue()
                                        : null;
                    }
                }
            }
        }
        return null;
    }

    ProgressView.Chart chart(
            OutcomeMeasure m, List<Observation> observations, List<String> sessionDays, BigDecimal target) {
        List<Observation> values = observations.stream()
                .filter(m::matches)
                .filter(o -> o.hasValueQuantity() && o.hasEffectiveDateTimeType())
                .sorted(Comparator.comparing(o -> o.getEffectiveDateTimeType().getValue()))
                .toList();
        TreeSet<String> labels = new TreeSet<>(sessionDays);
        List<Map<String, Object>> points = new ArrayList<>();
        List<String[]> rows = new ArrayList<>();
        double min = Double.MAX_VALUE;
        for (Observation o : values) {
            String day = day(o.getEffectiveDateTimeType().getValue());
            labels.add(day);
            double y = o.getValueQuantity().getValue().doubleValue();
            min = Math.min(min, y);
            Map<String, Object> point = new LinkedHashMap<>();
            point.put("x", day);
            point.put("y", y);
            points.add(point);
            rows.add(new String[] {
                day, Fhir.plain(o.getValueQuantity().getValue()) + (m.unit().isEmpty() ? "" : " " + m.unit())
            });
        }
        Map<String, Object> spec = new LinkedHashMap<>();
        spec.put("type", "line");
        spec.put("unit", m.unit());
        spec.put("labels", new ArrayList<>(labels));
        spec.put("series", List.of(Map.of("label", m.label(), "points", points)));
        spec.put("target", target == null ? null : target.doubleValue());
        spec.put("sessions", sessionDays);
        spec.put("sessionY", values.isEmpty() ? 0 : min);
        try {
            return new ProgressView.Chart(
                    m.key(),
                    m.label()
                            + (m.unit().isEmpty() ? "" : " (" + m.unit() + ")")
                            + (target == null ? "" : " · goal " + Fhir.plain(target)),
                    json.writeValueAsString(spec),
                    rows);
        } catch (JsonProcessingException e) {
            throw new IllegalStateException(e);
        }
    }

    static String day(Date date) {
        return DAY.format(date.toInstant().atZone(ZoneId.systemDefault()));
    }
}
