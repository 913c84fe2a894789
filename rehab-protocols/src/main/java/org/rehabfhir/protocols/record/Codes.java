package org.rehabfhir.protocols.record;

import java.util.Locale;
import java.util.regex.Pattern;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;

/** Small helpers for CodeableConcepts. */
public final class Codes {

    private Codes() {}

    public static boolean has(CodeableConcept cc, String system, String code) {
        return cc.getCoding().stream().anyMatch(c -> system.equals(c.getSystem()) && code.equals(c.getCode()));
    }

    /** Text, else first display, else first code. */
    public static String text(CodeableConcept cc) {
        if (cc.hasText()) {
            return cc.getText();
        }
        for (Coding c : cc.getCoding()) {
            if (c.hasDisplay()) {
                return c.getDisplay();
            }
        }
        return cc.getCodingFirstRep().hasCode() ? cc.getCodingFirstRep().getCode() : "";
    }

    /** True when the text or any display matches the (case-insensitive) pattern. */
    public static boolean textMatches(CodeableConcept cc, Pattern pattern) {
        if (cc.hasText() && pattern.matcher(cc.getText()).find()) {
            return true;
        }
        return cc.getCoding().stream()
                .anyMatch(c -> c.hasDisplay() && pattern.matcher(c.getDisplay()).find());
    }

    /** Upper case, dots removed: "m17.11" and "M1711" compare equal. */
    public static String normaliseIcd(String code) {
        return code == null ? "" : code.replace(".", "").strip().toUpperCase(Locale.ROOT);
    }

    /** ICD-10-CM prefix test on normalised codes. */
    public static boolean icdStartsWith(String code, String prefix) {
        String c = normaliseIcd(code);
        String p = normaliseIcd(prefix);
        return !p.isEmpty() && c.startsWith(p);
    }

    /** A fall history in text ({@code code.text} or display), for screening and for matching the fall-risk regimen. */
    public static final Pattern FALL_HISTORY_TEXT = words("\\b(history of falls?|falls? history|recurrent falls)\\b");

    public static Pattern words(String regex) {
        return Pattern.compile(regex, Pattern.CASE_INSENSITIVE | Pattern.UNICODE_CASE);
    }
}
