package org.rehabfhir.server.engine;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.protocols.record.RecordReads;
import org.springframework.stereotype.Component;

/**
 * Reads what the engine needs from the FHIR store. Called by the operations after the caller's authorization for
 * the operation and its target passed; the reads themselves run as the server.
 */
@Component
public class PatientRecord {

    private final DaoRegistry daoRegistry;
    private final TextCandidateIndex textCandidates;
    private final Clock clock;

    public PatientRecord(DaoRegistry daoRegistry, TextCandidateIndex textCandidates, Clock clock) {
        this.daoRegistry = daoRegistry;
        this.textCandidates = textCandidates;
        this.clock = clock;
    }

    /**
     * The patient, all her Conditions and the Observations the screen and the matching read ({@link RecordReads}:
     * targeted searches by code, newest first, not the whole record).
     */
    public record Record(Patient patient, List<Condition> conditions, List<Observation> observations) {}

    public Record load(IIdType patientId) {
        Patient patient = daoRegistry
                .getResourceDao(Patient.class)
                .read(patientId.toUnqualifiedVersionless(), new SystemRequestDetails());
        String ref = "Patient/" + patient.getIdElement().getIdPart();
        return new Record(
                patient,
                search(Condition.class, Condition.SP_PATIENT, ref),
                RecordReads.forScreening(
                        new StoredObservations(daoRegistry, textCandidates, ref), LocalDate.now(clock)));
    }

    public CarePlan carePlan(IIdType carePlanId) {
        return daoRegistry
                .getResourceDao(CarePlan.class)
                .read(carePlanId.toUnqualifiedVersionless(), new SystemRequestDetails());
    }

    /**
     * The Observations that point to the plan ({@code basedOn}) and are about the plan's own patient: an
     * Observation of another patient naming this plan must not move it.
     */
    public List<Observation> sessionObservations(CarePlan plan) {
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(
                        Observation.SP_BASED_ON,
                        new ReferenceParam("CarePlan/" + plan.getIdElement().getIdPart()))
                .add(
                        Observation.SP_SUBJECT,
                        new ReferenceParam(plan.getSubject().getReference()));
        @SuppressWarnings("unchecked")
        List<Observation> found = (List<Observation>) (List<?>)
                daoRegistry.getResourceDao(Observation.class).searchForResources(map, new SystemRequestDetails());
        return found;
    }

    /** A reference to a stored Practitioner; 400 when the reference is not one or names no stored Practitioner. */
    public Reference practitioner(String reference) {
        IdType id = new IdType(reference);
        if (!"Practitioner".equals(id.getResourceType()) || !id.hasIdPart()) {
            throw new InvalidRequestException(
                    "practitioner must be a Practitioner reference such as Practitioner/123, not " + reference);
        }
        try {
            Practitioner practitioner = daoRegistry
                    .getResourceDao(Practitioner.class)
                    .read(id.toUnqualifiedVersionless(), new SystemRequestDetails());
            return new Reference("Practitioner/" + practitioner.getIdElement().getIdPart());
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            throw new InvalidRequestException("practitioner " + reference + " does not exist on this server");
        }
    }

    public static IIdType patientId(String subject) {
        if (subject == null || subject.isBlank()) {
            throw new InvalidRequestException("subject is required, e.g. subject=Patient/123");
        }
        IdType id = new IdType(subject.contains("/") ? subject : "Patient/" + subject);
        if (!"Patient".equals(id.getResourceType()) || !id.hasIdPart()) {
            throw new InvalidRequestException(
                    "subject must be a Patient reference such as Patient/123, not " + subject);
        }
        return id;
    }

    private <T extends org.hl7.fhir.instance.model.api.IBaseResource> List<T> search(
            Class<T> type, String param, String reference) {
        SearchParameterMap map = SearchParameterMap.newSynchronous().add(param, new ReferenceParam(reference));
        @SuppressWarnings("unchecked")
        List<T> found = (List<T>)
                (List<?>) daoRegistry.getResourceDao(type).searchForResources(map, new SystemRequestDetails());
        return found;
    }
}
