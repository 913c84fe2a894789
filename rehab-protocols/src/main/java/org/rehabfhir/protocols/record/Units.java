package org.rehabfhir.protocols.record;

import java.io.InputStream;
import java.util.Optional;
import org.fhir.ucum.Decimal;
import org.fhir.ucum.UcumEssenceService;
import org.fhir.ucum.UcumException;
import org.fhir.ucum.UcumService;
import org.hl7.fhir.r4.model.Quantity;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/**
 * UCUM units, through the UCUM library's own definitions ({@code ucum-essence.xml}): a measured value meets a
 * threshold only in the threshold's unit, converted where UCUM allows (ft to m, kPa to mm[Hg], /h to /min); a
 * value whose unit is missing, not UCUM, or of another dimension has no value for the threshold ("not assessed",
 * never a pass). Thread-safe (the service is read-only after loading).
 */
public final class Units {

    /** The UCUM units the screener's thresholds are in. */
    public static final String METRE = "m";

    public static final String SECOND = "s";
    public static final String PER_MINUTE = "/min";
    public static final String MM_HG = "mm[Hg]";
    public static final String SCORE = "{score}";

    private static final UcumService UCUM = load();

    private Units() {}

    /**
     * The quantity's value in {@code target} (a UCUM code). The quantity's unit is its {@code code} when its
     * {@code system} is UCUM or absent; without system and code, its {@code unit} text when that is a valid UCUM
     * expression ({@code "mm[Hg]"}, not {@code "mmHg"}); anything else is empty.
     */
    public static Optional<Double> in(Quantity q, String target) {
        if (q == null || !q.hasValue()) {
            return Optional.empty();
        }
        Optional<String> unit = ucumCode(q);
        if (unit.isEmpty()) {
            return Optional.empty();
        }
        return convert(q.getValue().doubleValue(), unit.get(), target);
    }

    /** {@code value} in {@code from} converted to {@code to}; empty when UCUM cannot convert between them. */
    public static Optional<Double> convert(double value, String from, String to) {
        if (from.equals(to)) {
            return Optional.of(value);
        }
        try {
            if (UCUM.validate(from) != null || !UCUM.isComparable(from, to)) {
                return Optional.empty();
            }
            Decimal converted = UCUM.convert(new Decimal(Double.toString(value)), from, to);
            return Optional.of(Double.parseDouble(converted.asDecimal()));
        } catch (UcumException | RuntimeException e) {
            return Optional.empty();
        }
    }

    /** Whether {@code unit} is a valid UCUM expression that converts to {@code target}. */
    public static boolean convertible(String unit, String target) {
        return unit != null && convert(1, unit, target).isPresent();
    }

    /** Whether the unit is dimensionless (a score: {@code 1}, {@code {score}}, {@code {points}}, ...). */
    public static boolean isDimensionless(String unit) {
        return convertible(unit, "1");
    }

    private static Optional<String> ucumCode(Quantity q) {
        if (q.hasSystem() && !RehabCodes.UCUM.equals(q.getSystem())) {
            return Optional.empty();
        }
        if (q.hasCode() && !q.getCode().isBlank()) {
            return Optional.of(q.getCode());
        }
        return !q.hasSystem() && q.hasUnit() && !q.getUnit().isBlank() ? Optional.of(q.getUnit()) : Optional.empty();
    }

    private static UcumService load() {
        try (InputStream in = Units.class.getClassLoader().getResourceAsStream("ucum-essence.xml")) {
            if (in == null) {
                throw new IllegalStateException("ucum-essence.xml not on the classpath (org.fhir:ucum)");
            }
            return new UcumEssenceService(in);
        } catch (Exception e) {
            throw new IllegalStateException("Cannot load the UCUM definitions: " + e.getMessage(), e);
        }
    }
}
