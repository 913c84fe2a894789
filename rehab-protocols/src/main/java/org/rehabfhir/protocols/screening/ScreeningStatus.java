package org.rehabfhir.protocols.screening;

/** Overall screening status; codes of CodeSystem {@code screening-status}. */
public enum ScreeningStatus {
    CLEAR("clear", "Clear"),
    NEEDS_REVIEW("needs-review", "Needs review"),
    OVERRIDE_NEEDED("override-needed", "Clinician override needed"),
    EXCLUDED("excluded", "Excluded");

    private final String code;
    private final String display;

    ScreeningStatus(String code, String display) {
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
