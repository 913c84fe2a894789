package org.rehabfhir.protocols.catalogue;

/**
 * Canonical URLs, code systems and the verified codes of the clinical brief. Every LOINC / SNOMED CT code used in
 * Java lives here, so a reviewer can check them in one place against the brief's "Codes" section.
 */
public final class RehabCodes {

    public static final String BASE = "http://rehab-fhir.org/fhir";

    // External systems
    public static final String SNOMED = "http://snomed.info/sct";
    public static final String LOINC = "http://loinc.org";
    public static final String ICD10CM = "http://hl7.org/fhir/sid/icd-10-cm";
    public static final String UCUM = "http://unitsofmeasure.org";

    // Our code systems
    public static final String CS_SUPERVISION = BASE + "/CodeSystem/supervision-level";
    public static final String CS_EVIDENCE = BASE + "/CodeSystem/evidence-level";
    public static final String CS_INTERVENTION = BASE + "/CodeSystem/intervention";
    public static final String CS_OUTCOME = BASE + "/CodeSystem/outcome-measure";
    public static final String CS_FINDING = BASE + "/CodeSystem/clinical-finding";
    public static final String CS_CRITERION = BASE + "/CodeSystem/screening-criterion";
    public static final String CS_SCREENING_STATUS = BASE + "/CodeSystem/screening-status";
    public static final String CS_PROGRESS_DECISION = BASE + "/CodeSystem/progress-decision";
    public static final String CS_CONDITION_GROUP = BASE + "/CodeSystem/condition-group";
    public static final String CS_RECOMMENDATION_OUTCOME = BASE + "/CodeSystem/recommendation-outcome";
    public static final String CS_SESSION_COMPONENT = BASE + "/CodeSystem/session-component";
    public static final String CS_WALKING_SURFACE = BASE + "/CodeSystem/walking-surface";

    // Our extensions
    public static final String EXT_SUPERVISION = BASE + "/StructureDefinition/supervision-level";
    public static final String EXT_SPEED = BASE + "/StructureDefinition/treadmill-speed";
    public static final String EXT_INCLINE = BASE + "/StructureDefinition/treadmill-incline";
    public static final String EXT_EVIDENCE = BASE + "/StructureDefinition/evidence-level";
    public static final String EXT_APPLICABLE_CONDITION = BASE + "/StructureDefinition/applicable-condition";
    public static final String EXT_LADDER = BASE + "/StructureDefinition/progression-ladder";
    public static final String EXT_PROGRESSION_RULE = BASE + "/StructureDefinition/progression-rule";
    public static final String EXT_SCREENING_RESULT = BASE + "/StructureDefinition/screening-result";

    // Verified SNOMED CT (clinical brief)
    public static final String SCT_EXERCISE_THERAPY = "229065009";
    public static final String SCT_PHYSICAL_THERAPY = "91251008";
    public static final String SCT_STROKE = "230690007";
    public static final String SCT_KNEE_OA = "239873007";
    public static final String SCT_PARKINSONS = "49049000";
    public static final String SCT_MS = "24700007";
    public static final String SCT_HIP_FRACTURE = "359817006";
    public static final String SCT_KNEE_REPLACEMENT = "609588000";
    public static final String SCT_KNEE_REPLACEMENT_STATUS = "161679004";
    public static final String SCT_PATELLOFEMORAL = "430725003";
    public static final String SCT_CHRONIC_LBP = "278860009";
    public static final String SCT_ACL_INJURY = "444470001";

    // Verified LOINC (clinical brief)
    public static final String LOINC_TUG = "89423-8";
    public static final String LOINC_PAIN_NRS = "72514-3";
    public static final String LOINC_HEART_RATE = "8867-4";
    public static final String LOINC_RPE = "82289-0";
    public static final String LOINC_KOOS = "72091-2";
    public static final String LOINC_KOOS_PAIN = "72102-7";
    public static final String LOINC_EXERCISE_DURATION = "55411-3";
    public static final String LOINC_EXERCISE_MIN_PER_WEEK = "82290-8";
    public static final String LOINC_EXERCISE_DAYS_PER_WEEK = "89555-7";
    public static final String LOINC_MIN_PER_DAY = "68516-4";
    public static final String LOINC_GAIT_SPEED_4M = "83172-7";

    // Local codes (CodeSystem intervention / clinical-finding / outcome-measure)
    public static final String LOCAL_BACKWARD_WALKING = "backward-walking";
    public static final String FINDING_MMSE = "mmse-total";
    public static final String FINDING_UNSTABLE_ANGINA = "unstable-angina";
    public static final String FINDING_MI = "myocardial-infarction";
    public static final String FINDING_ARRHYTHMIA = "complex-ventricular-arrhythmia";
    public static final String FINDING_SYSTOLIC = "resting-systolic-bp";
    public static final String FINDING_DIASTOLIC = "resting-diastolic-bp";
    public static final String FINDING_BP_PANEL = "resting-bp-panel";
    public static final String FINDING_APHASIA = "aphasia";
    public static final String FINDING_TWO_STEP = "follows-two-step-command";
    public static final String FINDING_WALK_DISTANCE = "max-walking-distance";
    public static final String FINDING_BILATERAL_SUPPORT = "constant-bilateral-support";
    public static final String FINDING_MS_RELAPSE = "ms-relapse";
    public static final String FINDING_STEROIDS = "systemic-corticosteroid-course";
    public static final String FINDING_FALL_HISTORY = "fall-history";
    public static final String FINDING_NEAR_FALL = "near-fall";
    public static final String FINDING_FALL = "fall";
    public static final String FINDING_REVIEW_AFTER_FALL = "clinician-review-after-fall";
    public static final String SESSION_SURFACE = "walking-surface";
    public static final String SESSION_SPEED = "treadmill-speed";
    public static final String SESSION_INCLINE = "treadmill-incline";
    public static final String SESSION_SUPERVISION = "supervision-level";
    public static final String OUTCOME_3MBWT = "three-metre-backward-walk-test";
    public static final String OUTCOME_6MWD = "six-minute-walk-distance";

    private RehabCodes() {}
}
