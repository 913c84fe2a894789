package org.rehabfhir.app.caseload;

import java.util.List;

/**
 * One patient of the caseload, as the caseload table shows it.
 *
 * @param patientId the Patient's id
 * @param name display name
 * @param details birth date and gender
 * @param source why the patient is here: "Care team" or "Referral"
 * @param referralId the open ServiceRequest for this physiotherapist, or {@code null}
 * @param planStatus the status of the newest CarePlan ("none" without plan, "unknown" when it cannot be read)
 * @param lastSession the day of the last recorded session, or {@code ""}
 * @param flags what needs attention ("Screen incomplete", "On hold after a fall", "Progress due")
 */
public record CaseloadRow(
        String patientId,
        String name,
        String details,
        String source,
        String referralId,
        String planStatus,
        String lastSession,
        List<Flag> flags) {

    /** A flag with a CSS class ({@code warn}, {@code alert}, {@code info}). */
    public record Flag(String label, String kind) {}

    public boolean referralOnly() {
        return referralId != null && "Referral".equals(source);
    }
}
