package org.rehabfhir.protocols.progress;

/** Progression decision; codes of CodeSystem {@code progress-decision}. */
public enum Decision {
    PROGRESS("progress", "Progress one step"),
    HOLD("hold", "Hold"),
    REGRESS("regress", "Regress one step"),
    SUSPEND("suspend", "Suspend until clinician review");

    private final String code;
    private final String display;

    Decision(String code, String display) {
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
