package org.rehabfhir.app.patient;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.gclient.ReferenceClientParam;
import ca.uhn.fhir.rest.gclient.TokenClientParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.rehabfhir.app.caseload.CaseloadService;
import org.rehabfhir.app.fhir.Bundles;
import org.rehabfhir.app.fhir.Fhir;
import org.springframework.stereotype.Service;

/** Reads what the patient page shows, each part with the user's own rights (a part the server refuses is noted). */
@Service
public class PatientService {

    private static final int MAX_PAGES = 5;

    public PatientView load(IGenericClient fhir, String patientId) {
        // 403/404 here: the whole page is "no access" / "not found"
        Patient patient = fhir.read().resource(Patient.class).withId(patientId).execute();
        String ref = "Patient/" + patient.getIdPart();
        List<String> notes = new ArrayList<>();

        List<PatientView.ConditionRow> conditions = new ArrayList<>();
        try {
            Bundle found = fhir.search()
                    .forResource(Condition.class)
                    .where(new ReferenceClientParam("patient").hasId(ref))
                    .count(100)
                    .returnBundle(Bundle.class)
                    .execute();
            for (Condition c : Bundles.allPages(fhir, found, Condition.class, MAX_PAGES)) {
                conditions.add(new PatientView.ConditionRow(
                        Fhir.text(c.getCode()),
                        Fhir.codes(c.getCode()),
                        Fhir.text(c.getClinicalStatus()),
                        Fhir.text(c.getVerificationStatus()),
                        c.hasOnsetDateTimeType()
                                ? Fhir.day(c.getOnsetDateTimeType().getValue())
                                : ""));
            }
        } catch (ForbiddenOperationException e) {
            notes.add("Conditions: the server does not let you search them.");
        }

        List<PatientView.ReferralRow> referrals = new ArrayList<>();
        try {
            Bundle found = fhir.search()
                    .forResource(ServiceRequest.class)
                    .where(new ReferenceClientParam("patient").hasId(ref))
                    .count(50)
                    .returnBundle(Bundle.class)
                    .execute();
            for (ServiceRequest sr : Bundles.resources(found, ServiceRequest.class)) {
                referrals.add(new PatientView.ReferralRow(
                        sr.getIdElement().getIdPart(),
                        sr.getStatus() == null ? "" : sr.getStatus().toCode(),
                        sr.getReasonReference().stream()
                                .map(Reference::getDisplay)
                                .filter(d -> d != null)
                                .findFirst()
                                .orElse(sr.getReasonCode().stream()
                                        .map(Fhir::text)
                                        .findFirst()
                                        .orElse(Fhir.text(sr.getCode()))),
                        sr.hasAuthoredOn() ? Fhir.day(sr.getAuthoredOn()) : "",
                        sr.getPerformer().stream()
                                .map(p -> p.hasDisplay() ? p.getDisplay() : p.getReference())
                                .findFirst()
                                .orElse("")));
            }
        } catch (ForbiddenOperationException e) {
            notes.add("Referrals: the server does not let you search them.");
        }

        List<PatientView.PlanRow> plans = new ArrayList<>();
        try {
            Bundle found = fhir.search()
                    .forResource(CarePlan.class)
                    .where(new ReferenceClientParam("patient").hasId(ref))
                    .sort()
                    .descending("_lastUpdated")
                    .count(50)
                    .returnBundle(Bundle.class)
                    .execute();
            List<CarePlan> list = Bundles.resources(found, CarePlan.class);
            String current = CaseloadService.newestRelevantId(list);
            for (CarePlan p : list) {
                plans.add(new PatientView.PlanRow(
                        p.getIdElement().getIdPart(),
                        p.hasTitle()
                                ? p.getTitle()
                                : "Care plan " + p.getIdElement().getIdPart(),
                        p.getStatus() == null ? "" : p.getStatus().toCode(),
                        p.hasCreated()
                                ? Fhir.day(p.getCreated())
                                : Fhir.day(p.getMeta().getLastUpdated()),
                        p.hasPeriod()
                                ? (Fhir.day(p.getPeriod().getStart()) + " - "
                                        + Fhir.day(p.getPeriod().getEnd()))
                                : "",
                        p.getIdElement().getIdPart().equals(current)));
            }
        } catch (ForbiddenOperationException e) {
            notes.add("Plans: the server does not let you search them.");
        }

        List<PatientView.TrendRow> trends = new ArrayList<>();
        try {
            Bundle found = fhir.search()
                    .forResource(Observation.class)
                    .where(new ReferenceClientParam("patient").hasId(ref))
                    .and(new TokenClientParam("code").exactly().codings(OutcomeMeasure.allCodings()))
                    .sort()
                    .ascending("date")
                    .count(200)
                    .returnBundle(Bundle.class)
                    .execute();
            List<Observation> observations = Bundles.allPages(fhir, found, Observation.class, MAX_PAGES);
            for (OutcomeMeasure measure : OutcomeMeasure.values()) {
                trend(measure, observations).ifPresent(trends::add);
            }
        } catch (ForbiddenOperationException e) {
            notes.add("Outcomes: the server does not let you search Observations.");
        }
        return new PatientView(
                patient.getIdPart(),
                Fhir.name(patient),
                CaseloadService.detailsOf(patient),
                conditions,
                referrals,
                plans,
                trends,
                notes);
    }

    static java.util.Optional<PatientView.TrendRow> trend(OutcomeMeasure measure, List<Observation> observations) {
        List<Observation> values = observations.stream()
                .filter(measure::matches)
                .filter(o -> o.hasValueQuantity() && o.hasEffectiveDateTimeType())
                .sorted(Comparator.comparing(o -> o.getEffectiveDateTimeType().getValue()))
                .toList();
        if (values.isEmpty()) {
            return java.util.Optional.empty();
        }
        Observation first = values.get(0);
        Observation last = values.get(values.size() - 1);
        BigDecimal a = first.getValueQuantity().getValue();
        BigDecimal b = last.getValueQuantity().getValue();
        String change = values.size() < 2 ? "" : signed(b.subtract(a));
        return java.util.Optional.of(new PatientView.TrendRow(
                measure.label(),
                measure.unit(),
                values.size(),
                plain(a),
                Fhir.day(first.getEffectiveDateTimeType().getValue()),
                plain(b),
                Fhir.day(last.getEffectiveDateTimeType().getValue()),
                change));
    }

    static String plain(BigDecimal value) {
        return value.setScale(Math.min(2, Math.max(0, value.scale())), RoundingMode.HALF_UP)
                .stripTrailingZeros()
                .toPlainString();
    }

    static String signed(BigDecimal value) {
        return (value.signum() > 0 ? "+" : "") + plain(value);
    }
}
