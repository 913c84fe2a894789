package org.rehabfhir.protocols.matching;

/**
 * One piece of evidence that a regimen (or a no-template group) applies: which resource, which code in which
 * system, against which regimen concept or prefix, and how.
 *
 * @param source     reference of the Condition/Observation (e.g. {@code Condition/123}), or a description
 * @param system     code system of the patient's code (or "text")
 * @param code       the patient's code (or the matched text)
 * @param display    display/text of the patient's code
 * @param method     how it matched
 * @param matchedTo  the regimen's SNOMED concept / ICD-10-CM prefix / rule it matched
 * @param note       extra explanation (onset, co-codes, ...), may be empty
 */
public record ConditionMatch(
        String source, String system, String code, String display, MatchMethod method, String matchedTo, String note) {

    /** One sentence for clinicians. */
    public String explain() {
        String s = String.format(
                "%s %s|%s (%s) matched %s by %s", source, system, code, display, matchedTo, method.description());
        return note == null || note.isBlank() ? s : s + "; " + note;
    }
}
