package org.rehabfhir.app.caseload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.junit.jupiter.api.Test;

class CaseloadServiceTest {

    static CarePlan plan(String id, CarePlan.CarePlanStatus status) {
        CarePlan p = new CarePlan();
        p.setId(id);
        p.setStatus(status);
        return p;
    }

    @Test
    void thePlanThatMattersIsActiveOrOnHoldBeforeANewerDraft() {
        assertThat(CaseloadService.newestRelevantId(
                        List.of(plan("9", CarePlan.CarePlanStatus.DRAFT), plan("5", CarePlan.CarePlanStatus.ONHOLD))))
                .isEqualTo("5");
        assertThat(CaseloadService.newestRelevantId(List.of(
                        plan("9", CarePlan.CarePlanStatus.ENTEREDINERROR),
                        plan("4", CarePlan.CarePlanStatus.COMPLETED))))
                .isEqualTo("4");
        assertThat(CaseloadService.newestRelevantId(List.of())).isNull();
    }

    @Test
    void aReferralToHerOrToADepartmentForPhysiotherapyIsOpenForHer() {
        org.hl7.fhir.r4.model.ServiceRequest toHer = new org.hl7.fhir.r4.model.ServiceRequest();
        toHer.addPerformer(new org.hl7.fhir.r4.model.Reference("Practitioner/alice"));
        org.hl7.fhir.r4.model.ServiceRequest toDepartment = new org.hl7.fhir.r4.model.ServiceRequest();
        toDepartment.addPerformer(new org.hl7.fhir.r4.model.Reference("Organization/demo-physio-dept"));
        toDepartment.setCode(new org.hl7.fhir.r4.model.CodeableConcept(
                new org.hl7.fhir.r4.model.Coding("http://snomed.info/sct", "91251008", "Physical therapy procedure")));
        org.hl7.fhir.r4.model.ServiceRequest toCardiology = new org.hl7.fhir.r4.model.ServiceRequest();
        toCardiology.addPerformer(new org.hl7.fhir.r4.model.Reference("Organization/cardiology"));
        org.hl7.fhir.r4.model.ServiceRequest toBob = new org.hl7.fhir.r4.model.ServiceRequest();
        toBob.addPerformer(new org.hl7.fhir.r4.model.Reference("Practitioner/bob"));

        assertThat(CaseloadService.isOpenReferralFor(toHer, "Practitioner/alice"))
                .isTrue();
        assertThat(CaseloadService.isOpenReferralFor(toDepartment, "Practitioner/alice"))
                .isTrue();
        assertThat(CaseloadService.isOpenReferralFor(toCardiology, "Practitioner/alice"))
                .isFalse();
        assertThat(CaseloadService.isOpenReferralFor(toBob, "Practitioner/alice"))
                .isFalse();
    }
}
