package org.rehabfhir.protocols.screening;

/** Safety criteria from the trials' exclusions; codes of CodeSystem {@code screening-criterion}. */
public enum Criterion {
    COGNITION_MMSE("cognition-mmse", "Cognition: MMSE below threshold"),
    UNSTABLE_ANGINA_RECENT("unstable-angina-recent", "Unstable angina in the past month"),
    MYOCARDIAL_INFARCTION_RECENT("myocardial-infarction-recent", "Myocardial infarction in the past month"),
    COMPLEX_VENTRICULAR_ARRHYTHMIA("complex-ventricular-arrhythmia", "Complex ventricular arrhythmia"),
    RESTING_BLOOD_PRESSURE("resting-blood-pressure", "Resting blood pressure"),
    RESTING_HEART_RATE("resting-heart-rate", "Resting heart rate > 120/min"),
    APHASIA_TWO_STEP_COMMAND("aphasia-two-step-command", "Aphasia preventing a two-step command"),
    MINIMUM_WALKING_DISTANCE("minimum-walking-distance", "Cannot walk the minimum distance"),
    MS_RELAPSE_OR_STEROIDS("ms-relapse-or-steroids", "MS relapse or systemic steroids recently"),
    FALL_HISTORY("fall-history", "Fall history");

    private final String code;
    private final String display;

    Criterion(String code, String display) {
        this.code = code;
        this.display = display;
    }

    public String code() {
        return code;
    }

    public String display() {
        return display;
    }
}
