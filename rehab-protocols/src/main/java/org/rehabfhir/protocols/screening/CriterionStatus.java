package org.rehabfhir.protocols.screening;

/** Outcome of one criterion. */
public enum CriterionStatus {
    /** Assessed with recent data, passed. */
    PASSED,
    /** Absolute exclusion: no regimen. */
    EXCLUDED,
    /** Relative criterion failed: a regimen only with a recorded clinician override. */
    OVERRIDE_NEEDED,
    /** No (recent) data: listed, and the plan is marked for review. */
    NOT_ASSESSED,
    /** Does not apply to this condition group (e.g. MS relapse outside MS). */
    NOT_APPLICABLE,
    /** Fall history: not an exclusion, raises the supervision level by one. */
    RAISES_SUPERVISION
}
