package org.rehabfhir.server.pathway;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.util.Optional;
import java.util.Set;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.rehabfhir.server.careteam.Departments;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.springframework.stereotype.Component;

/**
 * {@code POST ServiceRequest/{id}/$accept}: a physiotherapist takes on a referral addressed to her or to her
 * department ({@code performer} = her Practitioner or an Organization of her PractitionerRoles). The server creates
 * the CareTeam (subject the referred patient, participant her, reason the referral's reasons, managing organization
 * the department, status active) and answers it; the patient is then on her caseload. Accepting again answers her
 * existing team. Refused: a referral that is not active (422), not addressed to her or her department (403).
 * She never adds herself to a patient without a referral: physiotherapists have no CareTeam create right.
 */
@Component
public class AcceptReferralOperation implements FhirOperationProvider {

    private final DaoRegistry daoRegistry;
    private final Departments departments;
    private final Clinicians clinicians;
    private final Transactions transactions;

    public AcceptReferralOperation(
            DaoRegistry daoRegistry, Departments departments, Clinicians clinicians, Transactions transactions) {
        this.daoRegistry = daoRegistry;
        this.departments = departments;
        this.clinicians = clinicians;
        this.transactions = transactions;
    }

    @Operation(name = "$accept", type = ServiceRequest.class)
    public CareTeam accept(@IdParam IdType referralId) {
        Reference me = clinicians.requirePhysiotherapist("Accepting a referral");
        ServiceRequest referral = daoRegistry
                .getResourceDao(ServiceRequest.class)
                .read(referralId.toUnqualifiedVersionless(), new SystemRequestDetails());
        if (referral.getStatus() != ServiceRequest.ServiceRequestStatus.ACTIVE) {
            throw new UnprocessableEntityException("ServiceRequest/" + referralId.getIdPart() + " is "
                    + (referral.hasStatus() ? referral.getStatus().toCode() : "without status")
                    + ": only an active referral can be accepted");
        }
        if (!"Patient".equals(referral.getSubject().getReferenceElement().getResourceType())) {
            throw new UnprocessableEntityException("The referral's subject is not a Patient");
        }
        Set<String> mine = departments.of(me.getReference());
        Optional<Reference> department = referral.getPerformer().stream()
                .filter(p -> mine.contains(
                        p.getReferenceElement().toUnqualifiedVersionless().getValue()))
                .findFirst();
        boolean toMe = referral.getPerformer().stream().anyMatch(p -> me.getReference()
                .equals(p.getReferenceElement().toUnqualifiedVersionless().getValue()));
        if (!toMe && department.isEmpty()) {
            throw new ForbiddenOperationException(
                    "ServiceRequest/" + referralId.getIdPart() + " is not addressed to you or to your department");
        }
        String patient = referral.getSubject()
                .getReferenceElement()
                .toUnqualifiedVersionless()
                .getValue();
        return transactions.inOne(() -> existingTeam(patient, me).orElseGet(() -> {
            CareTeam team = new CareTeam();
            team.setStatus(CareTeam.CareTeamStatus.ACTIVE);
            team.setName("Rehabilitation team");
            team.setSubject(new Reference(patient));
            team.addParticipant().setMember(me.copy()).addRole(new CodeableConcept().setText("Physiotherapist"));
            referral.getReasonReference().forEach(r -> team.addReasonReference(r.copy()));
            referral.getReasonCode().forEach(c -> team.addReasonCode(c.copy()));
            department.ifPresent(d -> team.addManagingOrganization(new Reference(
                    d.getReferenceElement().toUnqualifiedVersionless().getValue())));
            team.addNote()
                    .setText("Accepted from referral ServiceRequest/" + referralId.getIdPart() + " by "
                            + me.getReference());
            return (CareTeam) daoRegistry
                    .getResourceDao(CareTeam.class)
                    .create(team, new SystemRequestDetails())
                    .getResource();
        }));
    }

    private Optional<CareTeam> existingTeam(String patient, Reference me) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(CareTeam.SP_SUBJECT, new ReferenceParam(patient))
                .add(CareTeam.SP_PARTICIPANT, new ReferenceParam(me.getReference()))
                .add(CareTeam.SP_STATUS, new TokenParam("active"));
        return daoRegistry.getResourceDao(CareTeam.class).searchForResources(map, new SystemRequestDetails()).stream()
                .map(CareTeam.class::cast)
                .findFirst();
    }
}
