package org.rehabfhir.server.pathway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.fail;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException;
import java.time.Instant;
import java.time.LocalDate;
import java.time.OffsetDateTime;
import java.time.ZoneOffset;
import java.util.Date;
import java.util.List;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.Type;
import org.rehabfhir.server.support.TestData;

/** The requests of the care pathway, as the EHR and the physiotherapist's app send them. */
public final class Pathway {

    static final String SCREEN = "http://rehab-fhir.org/fhir/Questionnaire/retro-walking-safety-screen";
    public static final String KNEE_OA = "http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis";
    static final String STROKE_CHRONIC = "http://rehab-fhir.org/fhir/PlanDefinition/bw-stroke-chronic";
    static final String SCREENING_EXT = "http://rehab-fhir.org/fhir/StructureDefinition/screening-result";

    private Pathway() {}

    /** What the EHR sends: a patient, the diagnosis and a physiotherapy referral to {@code performer}. */
    record Referral(String patient, String condition, String serviceRequest) {}

    static Referral refer(IGenericClient ehr, Condition diagnosis, String performer) {
        Patient patient = TestData.patient(TestData.uniqueMrn());
        String patientId = ehr.create()
                .resource(patient)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        diagnosis.setSubject(new Reference(patientId));
        String conditionId = ehr.create()
                .resource(diagnosis)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        ServiceRequest referral = new ServiceRequest();
        referral.setStatus(ServiceRequest.ServiceRequestStatus.ACTIVE);
        referral.setIntent(ServiceRequest.ServiceRequestIntent.ORDER);
        CodeableConcept physio =
                new CodeableConcept(new Coding(TestData.SNOMED, "91251008", "Physical therapy procedure"));
        referral.addCategory(physio);
        referral.setCode(physio.copy().setText("Physiotherapy: supervised backward walking"));
        referral.setSubject(new Reference(patientId));
        referral.addReasonReference(new Reference(conditionId));
        referral.addPerformer(new Reference(performer));
        String referralId = ehr.create()
                .resource(referral)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        return new Referral(patientId, conditionId, referralId);
    }

    static Condition chronicStroke() {
        Condition condition = new Condition();
        condition.setClinicalStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
        condition.setVerificationStatus(new CodeableConcept(
                new Coding("http://terminology.hl7.org/CodeSystem/condition-ver-status", "confirmed", null)));
        condition.setCode(new CodeableConcept()
                .addCoding(new Coding(TestData.SNOMED, "230690007", "Cerebrovascular accident"))
                .addCoding(new Coding(
                        TestData.ICD10CM,
                        "I63.512",
                        "Cerebral infarction due to occlusion of right middle cerebral artery")));
        condition.setOnset(new DateTimeType(LocalDate.now().minusYears(2).toString()));
        return condition;
    }

    static CareTeam accept(IGenericClient physio, String serviceRequest) {
        return physio.operation()
                .onInstance(serviceRequest)
                .named("$accept")
                .withNoParameters(Parameters.class)
                .returnResourceType(CareTeam.class)
                .execute();
    }

    /** A completed screen that passes every criterion, about {@code patient}, done now. */
    public static QuestionnaireResponse passingScreen(String patient) {
        QuestionnaireResponse r = new QuestionnaireResponse();
        r.setQuestionnaire(SCREEN);
        r.setStatus(QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED);
        r.setSubject(new Reference(patient));
        r.setAuthored(new Date());
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

    static QuestionnaireResponse answer(QuestionnaireResponse r, String linkId, Type value) {
        r.getItem().removeIf(i -> i.getLinkId().equals(linkId));
        if (value != null) {
            r.addItem().setLinkId(linkId).addAnswer().setValue(value);
        }
        return r;
    }

    static Quantity quantity(double value, String ucum) {
        return new Quantity()
                .setValue(value)
                .setUnit(ucum)
                .setSystem(TestData.UCUM)
                .setCode(ucum);
    }

    /** {@code PlanDefinition?url=} then {@code $apply} with the first phase starting {@code daysAgo} days ago. */
    public static CarePlan apply(IGenericClient physio, String regimenUrl, String patient, int daysAgo) {
        Bundle found = physio.search()
                .byUrl("PlanDefinition?url=" + regimenUrl)
                .returnBundle(Bundle.class)
                .execute();
        String id = found.getEntryFirstRep()
                .getResource()
                .getIdElement()
                .toUnqualifiedVersionless()
                .getValue();
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType(patient));
        in.addParameter().setName("practitioner").setValue(new StringType("Practitioner/alice"));
        in.addParameter()
                .setName("start")
                .setValue(new DateType(LocalDate.now().minusDays(daysAgo).toString()));
        return physio.operation()
                .onInstance(id)
                .named("$apply")
                .withParameters(in)
                .returnResourceType(CarePlan.class)
                .execute();
    }

    public static String save(IGenericClient physio, CarePlan draft) {
        return physio.create()
                .resource(draft)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
    }

    public static CarePlan activate(IGenericClient physio, String plan, String name, String value) {
        Parameters in = new Parameters();
        if (name != null) {
            in.addParameter().setName(name).setValue(new StringType(value));
        }
        return physio.operation()
                .onInstance(plan)
                .named("$activate")
                .withParameters(in)
                .returnResourceType(CarePlan.class)
                .execute();
    }

    /** A session {@code daysAgo} days ago at 10:00 UTC: 10 min overground, supervision 2, no event. */
    public static Parameters session(int daysAgo, int rpe, int painBefore, Integer pain24h) {
        Parameters p = new Parameters();
        OffsetDateTime at = OffsetDateTime.now(ZoneOffset.UTC)
                .minusDays(daysAgo)
                .withHour(10)
                .withMinute(0)
                .withSecond(0)
                .withNano(0);
        if (at.toInstant().isAfter(Instant.now())) {
            at = at.minusHours(12);
        }
        p.addParameter().setName("date").setValue(new DateTimeType(Date.from(at.toInstant())));
        p.addParameter().setName("minutes").setValue(new DecimalType(10));
        p.addParameter().setName("surface").setValue(new CodeType("overground"));
        p.addParameter().setName("supervision").setValue(new CodeType("2"));
        p.addParameter().setName("rpe").setValue(new IntegerType(rpe));
        p.addParameter().setName("painBefore").setValue(new IntegerType(painBefore));
        if (pain24h != null) {
            p.addParameter().setName("pain24h").setValue(new IntegerType(pain24h));
        }
        p.addParameter().setName("heartRate").setValue(new IntegerType(96));
        p.addParameter().setName("nearFall").setValue(new BooleanType(false));
        p.addParameter().setName("fall").setValue(new BooleanType(false));
        return p;
    }

    static Parameters with(Parameters p, String name, Type value) {
        p.getParameter().removeIf(x -> x.getName().equals(name));
        if (value != null) {
            p.addParameter().setName(name).setValue(value);
        }
        return p;
    }

    static Bundle recordSession(IGenericClient physio, String plan, Parameters session) {
        return physio.operation()
                .onInstance(plan)
                .named("$record-session")
                .withParameters(session)
                .returnResourceType(Bundle.class)
                .execute();
    }

    static Parameters evaluate(IGenericClient physio, String plan) {
        return physio.operation()
                .onInstance(plan)
                .named("$evaluate-progress")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
    }

    static CarePlan applyProgress(IGenericClient physio, String plan, String decision) {
        Parameters in = new Parameters();
        if (decision != null) {
            in.addParameter().setName("decision").setValue(new CodeType(decision));
        }
        return physio.operation()
                .onInstance(plan)
                .named("$apply-progress")
                .withParameters(in)
                .returnResourceType(CarePlan.class)
                .execute();
    }

    static String decision(Parameters evaluation) {
        return ((Coding) evaluation.getParameter("decision").getValue()).getCode();
    }

    static String screeningStatus(CarePlan plan) {
        return ((Coding) plan.getExtensionByUrl(SCREENING_EXT)
                        .getExtensionByUrl("status")
                        .getValue())
                .getCode();
    }

    /** The failed request's status and OperationOutcome (fails the test if the request succeeds). */
    record Refusal(int status, OperationOutcome outcome) {
        String diagnostics() {
            return outcome == null
                    ? ""
                    : String.join(
                            " | ",
                            outcome.getIssue().stream()
                                    .map(i -> i.getDiagnostics() + " @" + i.getExpression())
                                    .toList());
        }
    }

    static Refusal refused(Supplier<?> request) {
        try {
            Object result = request.get();
            fail("expected a refusal, got " + result);
            return null;
        } catch (BaseServerResponseException e) {
            IBaseResource oo = e.getOperationOutcome();
            assertThat(oo)
                    .as("an OperationOutcome with the %s", e.getStatusCode())
                    .isInstanceOf(OperationOutcome.class);
            return new Refusal(e.getStatusCode(), (OperationOutcome) oo);
        }
    }

    static int count(IGenericClient client, String query) {
        Bundle bundle = client.search()
                .byUrl(query + (query.contains("?") ? "&" : "?") + "_summary=count")
                .returnBundle(Bundle.class)
                .execute();
        return bundle.getTotal();
    }

    static List<String> ids(Bundle bundle, String type) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(r -> r.fhirType().equals(type))
                .map(r -> r.getIdElement().toUnqualifiedVersionless().getValue())
                .toList();
    }
}
