package org.rehabfhir.protocols.progress;

/** What a proposed step changes. Progression order: time, speed, incline, less supervision, next phase. */
public enum StepDimension {
    DURATION,
    SPEED,
    INCLINE,
    SUPERVISION,
    NEXT_PHASE
}
