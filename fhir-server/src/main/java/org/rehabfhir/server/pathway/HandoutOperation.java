package org.rehabfhir.server.pathway;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.time.Clock;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import org.hl7.fhir.r4.model.Attachment;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Enumerations;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.HumanName;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Practitioner;
import org.hl7.fhir.r4.model.Reference;
import org.rehabfhir.auth.authorization.StoredResourceLookup;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.Permission;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.rehabfhir.server.engine.PatientRecord;
import org.springframework.stereotype.Component;

/**
 * {@code GET CarePlan/{id}/$handout} ({@code Accept: application/pdf}): the patient's take-home handout of an
 * active (or on-hold) plan as a PDF ({@link HandoutDocument}). With {@code store=true} it is also stored as a
 * DocumentReference (subject the patient, context the plan, the PDF as attachment), which needs the
 * DocumentReference create right; the stored reference is in the {@code Content-Location} header.
 */
@Component
public class HandoutOperation implements FhirOperationProvider {

    private final PatientRecord records;
    private final DaoRegistry daoRegistry;
    private final ProtocolCatalogue catalogue;
    private final Clock clock;
    private final StoredResourceLookup stored;

    public HandoutOperation(
            PatientRecord records,
            DaoRegistry daoRegistry,
            ProtocolCatalogue catalogue,
            Clock clock,
            StoredResourceLookup stored) {
        this.records = records;
        this.daoRegistry = daoRegistry;
        this.catalogue = catalogue;
        this.clock = clock;
        this.stored = stored;
    }

    @Operation(name = "$handout", type = CarePlan.class, idempotent = true, manualResponse = true)
    public void handout(
            @IdParam IdType planId,
            @OperationParam(name = "store", max = 1) BooleanType store,
            HttpServletResponse response)
            throws IOException {
        CarePlan plan = records.carePlan(planId);
        if (plan.getStatus() != CarePlan.CarePlanStatus.ACTIVE && plan.getStatus() != CarePlan.CarePlanStatus.ONHOLD) {
            throw new UnprocessableEntityException("CarePlan/" + planId.getIdPart() + " is "
                    + plan.getStatus().toCode() + ": a handout is made for an active plan");
        }
        boolean keep = store != null && store.booleanValue();
        if (keep
                && !RehabSecurityContext.current()
                        .map(c -> c.rights().allows("DocumentReference", Permission.CREATE))
                        .orElse(false)) {
            throw new ForbiddenOperationException(
                    "store=true needs the DocumentReference create right " + "(user/DocumentReference.c)");
        }
        String html = HandoutDocument.html(plan, patientName(plan), clinicianName(plan), goals(plan), catalogue);
        byte[] pdf = HandoutDocument.pdf(html);
        if (keep) {
            response.setHeader("Content-Location", store(plan, pdf));
        }
        response.setStatus(200);
        response.setContentType("application/pdf");
        response.setHeader(
                "Content-Disposition", "attachment; filename=\"handout-careplan-" + planId.getIdPart() + ".pdf\"");
        response.setContentLength(pdf.length);
        response.getOutputStream().write(pdf);
        response.getOutputStream().flush();
    }

    private String store(CarePlan plan, byte[] pdf) {
        DocumentReference doc = new DocumentReference();
        doc.setStatus(Enumerations.DocumentReferenceStatus.CURRENT);
        doc.setType(new CodeableConcept().setText("Patient handout: supervised backward-walking programme"));
        doc.setSubject(plan.getSubject().copy());
        doc.setDate(Date.from(clock.instant()));
        doc.setDescription("Take-home handout of CarePlan/"
                + plan.getIdElement().getIdPart() + " version " + plan.getMeta().getVersionId());
        doc.getContext()
                .addRelated(new Reference("CarePlan/" + plan.getIdElement().getIdPart()));
        doc.addContent()
                .setAttachment(new Attachment()
                        .setContentType("application/pdf")
                        .setData(pdf)
                        .setTitle("Backward-walking programme")
                        .setCreation(Date.from(clock.instant())));
        return "DocumentReference/"
                + daoRegistry
                        .getResourceDao(DocumentReference.class)
                        .create(doc, new SystemRequestDetails())
                        .getId()
                        .getIdPart();
    }

    private String patientName(CarePlan plan) {
        return stored.find(plan.getSubject().getReferenceElement())
                .map(Patient.class::cast)
                .filter(Patient::hasName)
                .map(p -> name(p.getNameFirstRep()))
                .orElse("");
    }

    private String clinicianName(CarePlan plan) {
        Reference author = plan.hasAuthor()
                ? plan.getAuthor()
                : plan.getActivity().stream()
                        .flatMap(a -> a.getDetail().getPerformer().stream())
                        .findFirst()
                        .orElse(null);
        if (author == null
                || !"Practitioner".equals(author.getReferenceElement().getResourceType())) {
            return author != null && author.hasDisplay() ? author.getDisplay() : "your physiotherapist";
        }
        return stored.find(author.getReferenceElement())
                .map(Practitioner.class::cast)
                .filter(Practitioner::hasName)
                .map(p -> name(p.getNameFirstRep()))
                .orElse("your physiotherapist");
    }

    private List<Goal> goals(CarePlan plan) {
        List<Goal> goals = new ArrayList<>();
        plan.getContained().stream()
                .filter(Goal.class::isInstance)
                .map(Goal.class::cast)
                .forEach(goals::add);
        for (Reference ref : plan.getGoal()) {
            IdType id = new IdType(ref.getReference() == null ? "" : ref.getReference());
            if ("Goal".equals(id.getResourceType()) && id.hasIdPart()) {
                // a Goal that is gone is simply not printed
                stored.find(id).map(Goal.class::cast).ifPresent(goals::add);
            }
        }
        return goals;
    }

    private static String name(HumanName n) {
        return n.hasText()
                ? n.getText()
                : (String.join(" ", n.getPrefix().stream().map(Object::toString).toList()) + " "
                                + n.getGivenAsSingleString() + " " + n.getFamily())
                        .trim()
                        .replaceAll("\\s+", " ");
    }
}
