package org.rehabfhir.protocols.record;

import java.time.LocalDate;
import java.time.ZoneId;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;

/** Reading Conditions the way the engine needs them. */
public final class Conditions {

    private static final String CLINICAL = "http://terminology.hl7.org/CodeSystem/condition-clinical";
    private static final String VERIFICATION = "http://terminology.hl7.org/CodeSystem/condition-ver-status";
    private static final Set<String> ACTIVE = Set.of("active", "recurrence", "relapse");
    private static final Set<String> REJECTED = Set.of("refuted", "entered-in-error");

    private Conditions() {}

    /** Clinical status active, recurrence or relapse; verification status not refuted / entered-in-error. */
    public static boolean isActive(Condition c) {
        return hasCode(c.getClinicalStatus(), CLINICAL, ACTIVE) && !isRejected(c);
    }

    /** Verification status refuted or entered-in-error. */
    public static boolean isRejected(Condition c) {
        return hasCode(c.getVerificationStatus(), VERIFICATION, REJECTED);
    }

    /** Verification status refuted (an explicit "the patient does not have this"). */
    public static boolean isRefuted(Condition c) {
        return hasCode(c.getVerificationStatus(), VERIFICATION, Set.of("refuted"));
    }

    /** Clinical status relapse. */
    public static boolean isRelapse(Condition c) {
        return hasCode(c.getClinicalStatus(), CLINICAL, Set.of("relapse"));
    }

    /** Why a Condition is ignored, for explanations. */
    public static String statusText(Condition c) {
        String clinical = c.getClinicalStatus().getCodingFirstRep().getCode();
        String verification = c.getVerificationStatus().getCodingFirstRep().getCode();
        return "clinicalStatus=" + (clinical == null ? "missing" : clinical)
                + (verification == null ? "" : ", verificationStatus=" + verification);
    }

    /** Onset date in the clinic's zone: onsetDateTime, onsetPeriod.start; empty if unknown. */
    public static Optional<LocalDate> onsetDate(Condition c, ZoneId zone) {
        if (c.hasOnsetDateTimeType()) {
            return Dates.localDate(c.getOnsetDateTimeType(), zone);
        }
        if (c.hasOnsetPeriod() && c.getOnsetPeriod().hasStart()) {
            return Dates.localDate(c.getOnsetPeriod().getStartElement(), zone);
        }
        return Optional.empty();
    }

    /** Onset date, else the recorded date (in the clinic's zone): the best date for "how recent". */
    public static Optional<LocalDate> eventDate(Condition c, ZoneId zone) {
        Optional<LocalDate> onset = onsetDate(c, zone);
        if (onset.isPresent()) {
            return onset;
        }
        return c.hasRecordedDate() ? Dates.localDate(c.getRecordedDateElement(), zone) : Optional.empty();
    }

    /** Reference text for explanations ({@code Condition/123} or the code text). */
    public static String ref(Condition c) {
        return c.getIdElement().hasIdPart()
                ? "Condition/" + c.getIdElement().getIdPart()
                : "Condition(" + Codes.text(c.getCode()) + ")";
    }

    private static boolean hasCode(CodeableConcept cc, String system, Set<String> codes) {
        for (Coding coding : cc.getCoding()) {
            if ((coding.getSystem() == null || system.equals(coding.getSystem())) && codes.contains(coding.getCode())) {
                return true;
            }
        }
        return false;
    }
}
