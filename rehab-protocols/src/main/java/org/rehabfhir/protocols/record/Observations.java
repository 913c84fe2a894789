package org.rehabfhir.protocols.record;

import java.time.Instant;
import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Comparator;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.BaseDateTimeType;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Quantity;

/** Reading Observations: status, dates, values. */
public final class Observations {

    private static final Set<Observation.ObservationStatus> USABLE = Set.of(
            Observation.ObservationStatus.FINAL,
            Observation.ObservationStatus.AMENDED,
            Observation.ObservationStatus.CORRECTED,
            Observation.ObservationStatus.PRELIMINARY);

    private Observations() {}

    /** final, amended, corrected or preliminary (not cancelled, entered-in-error, registered, unknown). */
    public static boolean isUsable(Observation o) {
        return USABLE.contains(o.getStatus());
    }

    /** effectiveDateTime, effectiveInstant, effectivePeriod.start, else issued: the one place of this precedence. */
    public static Optional<BaseDateTimeType> effectiveElement(Observation o) {
        if (o.hasEffectiveDateTimeType() && o.getEffectiveDateTimeType().getValue() != null) {
            return Optional.of(o.getEffectiveDateTimeType());
        }
        if (o.hasEffectiveInstantType() && o.getEffectiveInstantType().getValue() != null) {
            return Optional.of(o.getEffectiveInstantType());
        }
        if (o.hasEffectivePeriod() && o.getEffectivePeriod().hasStart()) {
            return Optional.of(o.getEffectivePeriod().getStartElement());
        }
        return o.hasIssued() ? Optional.of(o.getIssuedElement()) : Optional.empty();
    }

    /** The instant of {@link #effectiveElement}. */
    public static Optional<Instant> effective(Observation o) {
        return effectiveElement(o).map(t -> t.getValue().toInstant());
    }

    /** The calendar day of {@link #effectiveElement} in the clinic's zone ({@link Dates#localDate}). */
    public static Optional<LocalDate> effectiveDate(Observation o, ZoneId zone) {
        return effectiveElement(o).flatMap(t -> Dates.localDate(t, zone));
    }

    /** Numeric value: valueQuantity, valueInteger. */
    public static Optional<Double> number(Observation o) {
        if (o.hasValueQuantity() && o.getValueQuantity().hasValue()) {
            return Optional.of(o.getValueQuantity().getValue().doubleValue());
        }
        if (o.hasValueIntegerType() && o.getValueIntegerType().getValue() != null) {
            return Optional.of(o.getValueIntegerType().getValue().doubleValue());
        }
        return Optional.empty();
    }

    /**
     * The numeric value in a UCUM unit ({@link Units}): valueQuantity converted where UCUM allows; valueInteger
     * only for a dimensionless target (a score). Empty when there is no value or its unit does not convert: such a
     * value can never meet a threshold.
     */
    public static Optional<Double> valueIn(Observation o, String ucumUnit) {
        if (o.hasValueQuantity()) {
            return Units.in(o.getValueQuantity(), ucumUnit);
        }
        if (o.hasValueIntegerType() && o.getValueIntegerType().getValue() != null && Units.isDimensionless(ucumUnit)) {
            return Optional.of(o.getValueIntegerType().getValue().doubleValue());
        }
        return Optional.empty();
    }

    /** The unit as recorded, for messages: the valueQuantity's code, else its unit text, else "no unit". */
    public static String recordedUnit(Observation o) {
        if (o.hasValueQuantity()) {
            Quantity q = o.getValueQuantity();
            String system = q.hasSystem() && !org.rehabfhir.protocols.catalogue.RehabCodes.UCUM.equals(q.getSystem())
                    ? " (" + q.getSystem() + ")"
                    : "";
            return (q.hasCode() ? q.getCode() : q.hasUnit() ? q.getUnit() : "no unit") + system;
        }
        return "no unit";
    }

    /** Yes/no value: valueBoolean, or a count (valueInteger/valueQuantity) > 0. */
    public static Optional<Boolean> flag(Observation o) {
        if (o.getValue() instanceof BooleanType b && b.getValue() != null) {
            return Optional.of(b.getValue());
        }
        if (o.getValue() instanceof IntegerType i && i.getValue() != null) {
            return Optional.of(i.getValue() > 0);
        }
        if (o.getValue() instanceof Quantity q && q.hasValue()) {
            return Optional.of(q.getValue().signum() > 0);
        }
        return Optional.empty();
    }

    /** Code match by system+code, or (when {@code text} is given) by code text/display. */
    public static boolean isCoded(Observation o, String system, String code, Pattern text) {
        CodeableConcept cc = o.getCode();
        return Codes.has(cc, system, code) || (text != null && Codes.textMatches(cc, text));
    }

    /** Most recent usable observation first. */
    public static List<Observation> newestFirst(List<Observation> in) {
        return in.stream()
                .filter(Observations::isUsable)
                .sorted(Comparator.comparing((Observation o) -> effective(o).orElse(Instant.EPOCH))
                        .reversed())
                .toList();
    }

    public static String ref(Observation o) {
        return o.getIdElement().hasIdPart()
                ? "Observation/" + o.getIdElement().getIdPart()
                : "Observation(" + Codes.text(o.getCode()) + ")";
    }
}
