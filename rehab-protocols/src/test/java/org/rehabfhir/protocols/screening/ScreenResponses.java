package org.rehabfhir.protocols.screening;

import java.util.Date;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Type;
import org.rehabfhir.protocols.catalogue.RehabCodes;

/** Responses to the safety screen, as a clinician's form would send them (flat items; groups are optional). */
public final class ScreenResponses {

    private ScreenResponses() {}

    /** A completed screen that passes every criterion. */
    public static QuestionnaireResponse passing(String patientRef, Date authored) {
        QuestionnaireResponse r = new QuestionnaireResponse();
        r.setQuestionnaire(ScreenResponseExtractor.QUESTIONNAIRE_URL);
        r.setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
        r.setSubject(new Reference(patientRef));
        r.setAuthored(authored);
        answer(r, "mmse-total", new IntegerType(28));
        answer(r, "unstable-angina", new BooleanType(false));
        answer(r, "myocardial-infarction", new BooleanType(false));
        answer(r, "complex-ventricular-arrhythmia", new BooleanType(false));
        answer(r, "resting-systolic-bp", quantity(132, "mm[Hg]"));
        answer(r, "resting-diastolic-bp", quantity(82, "mm[Hg]"));
        answer(r, "heart-rate", quantity(74, "/min"));
        answer(r, "follows-two-step-command", new BooleanType(true));
        answer(r, "constant-bilateral-support", new BooleanType(false));
        answer(r, "max-walking-distance", quantity(250, "m"));
        answer(r, "fall-history", new BooleanType(false));
        return r;
    }

    /** Sets (or replaces) the answer of one item; null removes it. */
    public static QuestionnaireResponse answer(QuestionnaireResponse r, String linkId, Type value) {
        r.getItem().removeIf(i -> i.getLinkId().equals(linkId));
        if (value != null) {
            r.addItem().setLinkId(linkId).addAnswer().setValue(value);
        }
        return r;
    }

    public static Quantity quantity(double value, String ucum) {
        return new Quantity()
                .setValue(value)
                .setUnit(ucum)
                .setSystem(RehabCodes.UCUM)
                .setCode(ucum);
    }
}
