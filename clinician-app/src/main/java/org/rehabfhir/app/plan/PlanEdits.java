package org.rehabfhir.app.plan;

import java.math.BigDecimal;
import java.util.LinkedHashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CarePlan.CarePlanActivityDetailComponent;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.Quantity;
import org.rehabfhir.app.fhir.Fhir;

/**
 * The physiotherapist's changes to a draft plan's phases (form fields {@code p<i>.minutes}, {@code p<i>.frequency},
 * {@code p<i>.speed}, {@code p<i>.incline}, {@code p<i>.supervision}), accepted only within the regimen's limits
 * ({@link PlanView.Phase}); a value outside them is an error of that field and nothing is changed.
 */
public final class PlanEdits {

    private PlanEdits() {}

    /** Applies the edits to {@code draft}; returns the errors by field (empty: applied). */
    public static Map<String, String> apply(CarePlan draft, Map<String, String> form) {
        Map<String, String> errors = new LinkedHashMap<>();
        for (int i = 0; i < draft.getActivity().size(); i++) {
            CarePlanActivityDetailComponent d = draft.getActivity().get(i).getDetail();
            PlanView.Phase limits = PlanView.phase(i, d);
            String p = "p" + i + ".";
            BigDecimal minutes = number(form, p + "minutes", errors);
            if (minutes != null) {
                if (minutes.signum() <= 0
                        || (limits.maxMinutes() != null && minutes.compareTo(limits.maxMinutes()) > 0)) {
                    errors.put(p + "minutes", "Minutes must be between 1 and " + Fhir.plain(limits.maxMinutes()) + ".");
                }
            }
            BigDecimal frequency = number(form, p + "frequency", errors);
            if (frequency != null
                    && (frequency.signum() <= 0
                            || frequency.intValue() > limits.maxFrequency()
                            || frequency.stripTrailingZeros().scale() > 0)) {
                errors.put(
                        p + "frequency",
                        "Sessions per " + limits.periodLabel() + " must be a whole number from 1 to "
                                + limits.maxFrequency() + ".");
            }
            BigDecimal speed = number(form, p + "speed", errors);
            if (speed != null
                    && (speed.signum() <= 0 || (limits.maxSpeed() != null && speed.compareTo(limits.maxSpeed()) > 0))) {
                errors.put(
                        p + "speed", "Speed must be above 0 and at most " + Fhir.plain(limits.maxSpeed()) + " km/h.");
            }
            BigDecimal incline = number(form, p + "incline", errors);
            if (incline != null
                    && (incline.signum() < 0
                            || (limits.maxIncline() != null && incline.compareTo(limits.maxIncline()) > 0))) {
                errors.put(p + "incline", "Incline must be between 0 and " + Fhir.plain(limits.maxIncline()) + " %.");
            }
            String supervision = form.get(p + "supervision");
            if (supervision != null && !supervision.isBlank()) {
                int level;
                try {
                    level = Integer.parseInt(supervision.trim());
                } catch (NumberFormatException e) {
                    level = -1;
                }
                if (level < 1 || level > limits.leastSupervision()) {
                    errors.put(
                            p + "supervision",
                            "This phase allows supervision levels 1 to " + limits.leastSupervision() + ".");
                }
            }
            if (!errors.isEmpty()) {
                continue;
            }
            if (minutes != null) {
                d.getScheduledTiming().getRepeat().setDuration(minutes);
            }
            if (frequency != null) {
                d.getScheduledTiming().getRepeat().setFrequency(frequency.intValue());
            }
            if (speed != null) {
                setQuantity(d, Fhir.EXT_SPEED, speed, "km/h");
            }
            if (incline != null) {
                setQuantity(d, Fhir.EXT_INCLINE, incline, "%");
            }
            if (supervision != null && !supervision.isBlank()) {
                d.getExtension().removeIf(e -> Fhir.EXT_SUPERVISION.equals(e.getUrl()));
                d.addExtension(new Extension(
                        Fhir.EXT_SUPERVISION, new Coding(PlanView.CS_SUPERVISION, supervision.trim(), null)));
            }
        }
        return errors;
    }

    private static void setQuantity(CarePlanActivityDetailComponent d, String url, BigDecimal value, String ucum) {
        d.getExtension().removeIf(e -> url.equals(e.getUrl()));
        d.addExtension(new Extension(
                url,
                new Quantity()
                        .setValue(value)
                        .setUnit(ucum)
                        .setSystem("http://unitsofmeasure.org")
                        .setCode(ucum)));
    }

    private static BigDecimal number(Map<String, String> form, String field, Map<String, String> errors) {
        String raw = form.get(field);
        if (raw == null || raw.isBlank()) {
            return null;
        }
        try {
            return new BigDecimal(raw.trim());
        } catch (NumberFormatException e) {
            errors.put(field, "Enter a number.");
            return null;
        }
    }
}
