package org.rehabfhir.app.patient;

import java.util.List;
import org.hl7.fhir.r4.model.Observation;
import org.rehabfhir.app.fhir.Fhir;

/**
 * The outcome measures the app charts: Timed Up and Go (LOINC 89423-8, s), 10-metre walk gait speed (project
 * CodeSystem, m/s), pain NRS (LOINC 72514-3) and Borg RPE (LOINC 82289-0), with whether lower is better.
 */
public enum OutcomeMeasure {
    TUG("tug", "Timed Up and Go", Fhir.LOINC, Fhir.LOINC_TUG, "s", true),
    GAIT_SPEED("gait", "10-metre walk speed", Fhir.CS_OUTCOME, Fhir.GAIT_SPEED_10MWT, "m/s", false),
    PAIN("pain", "Pain (NRS 0-10)", Fhir.LOINC, Fhir.LOINC_PAIN, "", true),
    RPE("rpe", "Effort (Borg RPE 0-10)", Fhir.LOINC, Fhir.LOINC_RPE, "", true);

    private final String key;
    private final String label;
    private final String system;
    private final String code;
    private final String unit;
    private final boolean lowerIsBetter;

    OutcomeMeasure(String key, String label, String system, String code, String unit, boolean lowerIsBetter) {
        this.key = key;
        this.label = label;
        this.system = system;
        this.code = code;
        this.unit = unit;
        this.lowerIsBetter = lowerIsBetter;
    }

    public String key() {
        return key;
    }

    public String label() {
        return label;
    }

    public String system() {
        return system;
    }

    public String code() {
        return code;
    }

    public String unit() {
        return unit;
    }

    public boolean lowerIsBetter() {
        return lowerIsBetter;
    }

    public String token() {
        return system + "|" + code;
    }

    public boolean matches(Observation observation) {
        return Fhir.hasCode(observation.getCode(), system, code);
    }

    /** The codings of all measures, for one {@code code=} search parameter (OR). */
    public static org.hl7.fhir.r4.model.Coding[] allCodings() {
        return java.util.Arrays.stream(values())
                .map(m -> new org.hl7.fhir.r4.model.Coding(m.system, m.code, null))
                .toArray(org.hl7.fhir.r4.model.Coding[]::new);
    }

    public static String allTokens() {
        return String.join(
                ",", List.of(values()).stream().map(OutcomeMeasure::token).toList());
    }
}
