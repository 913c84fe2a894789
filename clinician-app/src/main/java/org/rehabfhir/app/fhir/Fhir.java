package org.rehabfhir.app.fhir;

import java.time.ZoneId;
import java.time.format.DateTimeFormatter;
import java.util.Date;
import java.util.List;
import java.util.Locale;
import java.util.stream.Collectors;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.Patient;

/** Codes the app uses and small helpers to show FHIR data to people. */
public final class Fhir {

    public static final String BASE = "http://rehab-fhir.org/fhir";
    public static final String SCREEN_QUESTIONNAIRE = BASE + "/Questionnaire/retro-walking-safety-screen";
    public static final String CS_OUTCOME = BASE + "/CodeSystem/outcome-measure";
    public static final String EXT_EVIDENCE = BASE + "/StructureDefinition/evidence-level";
    public static final String EXT_SUPERVISION = BASE + "/StructureDefinition/supervision-level";
    public static final String EXT_SPEED = BASE + "/StructureDefinition/treadmill-speed";
    public static final String EXT_INCLINE = BASE + "/StructureDefinition/treadmill-incline";
    public static final String LOINC = "http://loinc.org";
    public static final String OBS_CATEGORY = "http://terminology.hl7.org/CodeSystem/observation-category";
    public static final String LOINC_TUG = "89423-8";
    public static final String LOINC_PAIN = "72514-3";
    public static final String LOINC_RPE = "82289-0";
    public static final String LOINC_DURATION = "55411-3";
    public static final String GAIT_SPEED_10MWT = "gait-speed-10mwt";

    private static final DateTimeFormatter DAY = DateTimeFormatter.ofPattern("d MMM yyyy", Locale.ENGLISH);
    private static final DateTimeFormatter DAY_TIME = DateTimeFormatter.ofPattern("d MMM yyyy HH:mm", Locale.ENGLISH);

    private Fhir() {}

    public static String name(Patient patient) {
        if (patient == null) {
            return "(unknown patient)";
        }
        return patient.getName().stream().findFirst().map(Fhir::name).orElse("Patient " + patient.getIdPart());
    }

    public static String name(HumanName name) {
        if (name.hasText()) {
            return name.getText();
        }
        String given = name.getGiven().stream().map(g -> g.getValue()).collect(Collectors.joining(" "));
        return (given + " " + (name.getFamily() == null ? "" : name.getFamily())).trim();
    }

    /** The concept's text, else the first coding's display, else its code. */
    public static String text(CodeableConcept concept) {
        if (concept == null || concept.isEmpty()) {
            return "";
        }
        if (concept.hasText()) {
            return concept.getText();
        }
        return concept.getCoding().stream().findFirst().map(Fhir::text).orElse("");
    }

    public static String text(Coding coding) {
        if (coding == null) {
            return "";
        }
        return coding.hasDisplay() ? coding.getDisplay() : coding.getCode();
    }

    /** "SNOMED CT 239873007, ICD-10-CM M17.11": the codes of a concept with a short name of their systems. */
    public static String codes(CodeableConcept concept) {
        if (concept == null) {
            return "";
        }
        return concept.getCoding().stream()
                .map(c -> systemLabel(c.getSystem()) + " " + c.getCode())
                .collect(Collectors.joining(", "));
    }

    public static String systemLabel(String system) {
        if (system == null) {
            return "";
        }
        return switch (system) {
            case "http://snomed.info/sct" -> "SNOMED CT";
            case "http://hl7.org/fhir/sid/icd-10-cm" -> "ICD-10-CM";
            case LOINC -> "LOINC";
            default -> system.startsWith(BASE) ? "Rehab-FHIR" : system;
        };
    }

    public static String day(Date date) {
        return date == null ? "" : DAY.format(date.toInstant().atZone(ZoneId.systemDefault()));
    }

    public static String dayTime(Date date) {
        return date == null ? "" : DAY_TIME.format(date.toInstant().atZone(ZoneId.systemDefault()));
    }

    public static boolean hasCode(CodeableConcept concept, String system, String code) {
        return concept != null
                && concept.getCoding().stream()
                        .anyMatch(c -> code.equals(c.getCode()) && (system == null || system.equals(c.getSystem())));
    }

    /** A number without trailing zeros, at most 2 decimals. */
    public static String plain(java.math.BigDecimal value) {
        if (value == null) {
            return "";
        }
        return value.setScale(Math.min(2, Math.max(0, value.scale())), java.math.RoundingMode.HALF_UP)
                .stripTrailingZeros()
                .toPlainString();
    }

    public static <T> List<T> nonNull(List<T> list) {
        return list == null ? List.of() : list;
    }
}
