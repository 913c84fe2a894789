package org.rehabfhir.app.audit;

import java.time.LocalDate;

/**
 * The auditor's filter: patient, date range (days, inclusive), agent (username, client id or fhirUser), whether
 * refused and failed attempts are included, and the page offset.
 */
public record AccessLogFilter(String patient, LocalDate from, LocalDate to, String agent, boolean refused, int offset) {

    public boolean hasPatient() {
        return patient != null && !patient.isBlank();
    }

    /** The same filter on another page. */
    public AccessLogFilter at(int newOffset) {
        return new AccessLogFilter(patient, from, to, agent, refused, Math.max(0, newOffset));
    }
}
