package org.rehabfhir.server.pathway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.pathway.Pathway.*;

import ca.uhn.fhir.rest.api.MethodOutcome;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.net.URI;
import java.net.http.HttpClient;
import java.net.http.HttpRequest;
import java.net.http.HttpResponse;
import java.util.List;
import org.apache.pdfbox.Loader;
import org.apache.pdfbox.pdmodel.PDDocument;
import org.apache.pdfbox.text.PDFTextStripper;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DocumentReference;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.security.AbstractCareTeamNarrowingIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;

/**
 * The care pathway over HTTP with real Keycloak tokens, CareTeam narrowing on (production): referral, caseload,
 * safety screen, plan, activation, sessions, progression and handout, walked twice (knee osteoarthritis, chronic
 * stroke).
 */
class CarePathwayIT extends AbstractCareTeamNarrowingIT {

    @Test
    void kneeOsteoarthritisFromReferralToAnAchievedGoalAndAHandout() throws Exception {
        IGenericClient ehr = ehr();
        IGenericClient alice = physio();

        // 1. the EHR refers a patient to alice's department; she sees the referral, not yet a caseload entry
        Referral referral = refer(ehr, TestData.kneeOsteoarthritis("Patient/x"), "Organization/demo-physio-dept");
        Bundle referrals = alice.search()
                .byUrl("ServiceRequest?performer=Organization/demo-physio-dept&status=active")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(referrals, "ServiceRequest")).contains(referral.serviceRequest());
        assertThat(ids(caseload(alice), "Patient")).doesNotContain(referral.patient());

        // 2. she accepts it: a CareTeam naming her; the patient is on her caseload; accepting again changes nothing
        CareTeam team = accept(alice, referral.serviceRequest());
        assertThat(team.getSubject().getReference()).isEqualTo(referral.patient());
        assertThat(team.getParticipantFirstRep().getMember().getReference()).isEqualTo("Practitioner/alice");
        assertThat(team.getManagingOrganizationFirstRep().getReference()).isEqualTo("Organization/demo-physio-dept");
        assertThat(ids(caseload(alice), "Patient")).contains(referral.patient());
        assertThat(accept(alice, referral.serviceRequest()).getIdElement().getIdPart())
                .isEqualTo(team.getIdElement().getIdPart());

        // 3. before the screen every criterion is open; the completed screen becomes the Observations the engine reads
        assertThat(((Coding) screen(alice, referral.patient())
                                .getParameter("status")
                                .getValue())
                        .getCode())
                .isEqualTo("needs-review");
        QuestionnaireResponse response = passingScreen(referral.patient());
        response.addBasedOn(new Reference(referral.serviceRequest()));
        MethodOutcome created = alice.create().resource(response).execute();
        String qr = created.getId().toUnqualifiedVersionless().getValue();
        Bundle derived = alice.search()
                .byUrl("Observation?derived-from=" + qr)
                .returnBundle(Bundle.class)
                .execute();
        assertThat(derived.getEntry()).hasSize(11);
        Observation first = (Observation) derived.getEntryFirstRep().getResource();
        assertThat(first.getPerformerFirstRep().getReference()).isEqualTo("Practitioner/alice");
        assertThat(first.getSubject().getReference()).isEqualTo(referral.patient());

        // 4. screen clear; the recommendation is the knee-OA regimen, clear
        Parameters screened = screen(alice, referral.patient());
        assertThat(((Coding) screened.getParameter("status").getValue()).getCode())
                .isEqualTo("clear");
        Bundle recommended = alice.operation()
                .onInstance(referral.patient())
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .returnResourceType(Bundle.class)
                .execute();
        CarePlan recommendation = (CarePlan) recommended.getEntryFirstRep().getResource();
        assertThat(recommendation.getInstantiatesCanonical().get(0).getValue()).startsWith(KNEE_OA);
        assertThat(screeningStatus(recommendation)).isEqualTo("clear");

        // 5. the draft (phase 1 started a week ago), saved, then activated: its Goals are stored on their own
        String plan = save(alice, apply(alice, KNEE_OA, referral.patient(), 7));
        CarePlan active = activate(alice, plan, null, null);
        assertThat(active.getStatus()).isEqualTo(CarePlan.CarePlanStatus.ACTIVE);
        assertThat(active.getGoal()).isNotEmpty().allSatisfy(g -> assertThat(g.getReference())
                .startsWith("Goal/"));
        assertThat(active.getContained()).noneMatch(Goal.class::isInstance);
        Bundle goals = alice.search()
                .byUrl("Goal?patient=" + referral.patient() + "&lifecycle-status=active")
                .returnBundle(Bundle.class)
                .execute();
        assertThat(ids(goals, "Goal"))
                .containsExactlyInAnyOrderElementsOf(
                        active.getGoal().stream().map(Reference::getReference).toList());
        assertThat(provenanceActivities(plan)).contains("ACTIVATE");

        // 6. two good sessions (RPE 4, pain 3 before and 3 the next day), then a TUG of 12 s
        Bundle s1 = recordSession(alice, plan, session(3, 4, 3, 3));
        assertThat(s1.getEntry()).allSatisfy(e -> assertThat(
                        ((Observation) e.getResource()).getBasedOnFirstRep().getReference())
                .isEqualTo(plan));
        assertTheSessionHasOneProvenanceNamingEachObservation(s1);
        recordSession(alice, plan, session(2, 4, 3, 3));
        Observation tug = TestData.timedUpAndGo(
                referral.patient(), 12.0, java.time.LocalDate.now().toString());
        tug.addBasedOn(new Reference(plan));
        alice.create().resource(tug).execute();

        // 7. progress, and the TUG goal is met
        Parameters evaluation = evaluate(alice, plan);
        assertThat(decision(evaluation)).as(evaluation.toString()).isEqualTo("progress");
        assertThat(evaluation.getParameters("goal")).anySatisfy(g -> assertThat(((Coding) g.getPart().stream()
                                .filter(p -> p.getName().equals("achievement"))
                                .findFirst()
                                .orElseThrow()
                                .getValue())
                        .getCode())
                .isEqualTo("achieved"));

        // 8. applied: a new plan version with the step, the goals' achievement set, Provenance with the reason
        CarePlan progressed = applyProgress(alice, plan, null);
        assertThat(progressed.getMeta().getVersionId())
                .isNotEqualTo(active.getMeta().getVersionId());
        assertThat(progressed.getNote()).anyMatch(n -> n.getText().startsWith("Progress one step applied"));
        Goal tugGoal = alice.read()
                .resource(Goal.class)
                .withUrl(goalMeasuring(alice, progressed, "89423-8"))
                .execute();
        assertThat(tugGoal.getAchievementStatus().getCodingFirstRep().getCode()).isEqualTo("achieved");
        Provenance revise = latestProvenance(plan);
        assertThat(revise.getReasonFirstRep().getText()).startsWith("Progress one step");
        assertThat(revise.getEntity())
                .anySatisfy(e -> assertThat(e.getWhat().getReference()).startsWith("Observation/"));

        // 9. the handout: a PDF with the regimen, the schedule, the safety rules and the evidence label
        HttpResponse<byte[]> pdf = handout(plan, false);
        assertThat(pdf.statusCode()).isEqualTo(200);
        assertThat(pdf.headers().firstValue("Content-Type").orElse("")).startsWith("application/pdf");
        String text = pdfText(pdf.body());
        assertThat(text)
                .contains(
                        "Your backward-walking programme",
                        "Pat Test",
                        "Stay safe",
                        "spotter",
                        "times a week",
                        "Randomised trial",
                        "Demo");
        HttpResponse<byte[]> stored = handout(plan, true);
        String document = stored.headers().firstValue("Content-Location").orElseThrow();
        DocumentReference doc =
                alice.read().resource(DocumentReference.class).withUrl(document).execute();
        assertThat(doc.getSubject().getReference()).isEqualTo(referral.patient());
        assertThat(doc.getContentFirstRep().getAttachment().getContentType()).isEqualTo("application/pdf");
    }

    @Test
    void chronicStrokeWithAnOverrideANearFallRegressionAFallAndAReview() {
        IGenericClient ehr = ehr();
        IGenericClient alice = physio();

        // the EHR refers the patient to alice herself and puts her in the patient's CareTeam
        Referral referral = refer(ehr, chronicStroke(), "Practitioner/alice");
        CareTeam team =
                new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE).setSubject(new Reference(referral.patient()));
        team.addParticipant().setMember(new Reference("Practitioner/alice"));
        ehr.create().resource(team).execute();
        assertThat(ids(caseload(alice), "Patient")).contains(referral.patient());

        // the screen: resting systolic 190 mmHg, a relative contraindication (> 180)
        QuestionnaireResponse response = passingScreen(referral.patient());
        answer(response, "resting-systolic-bp", quantity(190, "mm[Hg]"));
        alice.create().resource(response).execute();
        assertThat(((Coding) screen(alice, referral.patient())
                                .getParameter("status")
                                .getValue())
                        .getCode())
                .isEqualTo("override-needed");

        // activation needs the override reason; with it, the reason is on the plan and in the Provenance
        String plan = save(alice, apply(alice, STROKE_CHRONIC, referral.patient(), 7));
        Refusal noReason = refused(() -> activate(alice, plan, null, null));
        assertThat(noReason.status()).isEqualTo(422);
        assertThat(noReason.diagnostics()).contains("override");
        CarePlan active =
                activate(alice, plan, "overrideReason", "BP rechecked at 165/90 after rest; cardiology agrees");
        assertThat(active.getStatus()).isEqualTo(CarePlan.CarePlanStatus.ACTIVE);
        assertThat(active.getExtensionByUrl(SCREENING_EXT)
                        .getExtensionByUrl("overrideReason")
                        .getValue()
                        .primitiveValue())
                .contains("cardiology");
        assertThat(latestProvenance(plan).getReasonFirstRep().getText()).contains("override", "cardiology");

        // a session with a near-fall: regress, applied
        recordSession(alice, plan, with(session(2, 5, 3, 3), "nearFall", new BooleanType(true)));
        assertThat(decision(evaluate(alice, plan))).isEqualTo("regress");
        CarePlan regressed = applyProgress(alice, plan, null);
        assertThat(regressed.getNote()).anyMatch(n -> n.getText().startsWith("Regress one step applied"));

        // a fall: the plan is on hold at once; no session, no progression until a review
        recordSession(alice, plan, with(session(1, 5, 3, null), "fall", new BooleanType(true)));
        CarePlan onHold = alice.read().resource(CarePlan.class).withUrl(plan).execute();
        assertThat(onHold.getStatus()).isEqualTo(CarePlan.CarePlanStatus.ONHOLD);
        assertThat(provenanceActivities(plan)).contains("SUSPEND");
        assertThat(refused(() -> recordSession(alice, plan, session(0, 4, 3, null)))
                        .status())
                .isEqualTo(422);
        assertThat(refused(() -> applyProgress(alice, plan, null)).status()).isEqualTo(422);
        assertThat(refused(() -> activate(alice, plan, null, null)).status()).isEqualTo(422);
        onHold.setStatus(CarePlan.CarePlanStatus.ACTIVE);
        assertThat(refused(() -> alice.update().resource(onHold).execute()).status())
                .isEqualTo(422);

        // the physiotherapist's review with a reason reactivates it; progression no longer suspends
        CarePlan resumed = activate(alice, plan, "reason", "Reviewed: tripped on the mat edge, no injury; mat removed");
        assertThat(resumed.getStatus()).isEqualTo(CarePlan.CarePlanStatus.ACTIVE);
        assertThat(provenanceActivities(plan)).contains("RESUME");
        assertThat(count(
                        alice,
                        "Observation?based-on=" + plan + "&code=http://rehab-fhir.org/fhir/CodeSystem/"
                                + "clinical-finding|clinician-review-after-fall"))
                .isEqualTo(1);
        assertThat(decision(evaluate(alice, plan))).isNotEqualTo("suspend");
    }

    // ------------------------------------------------------------------------------------------------ helpers

    private Bundle caseload(IGenericClient physio) {
        return physio.search()
                .byUrl("CareTeam?participant=Practitioner/alice&status=active&_include=CareTeam:patient")
                .returnBundle(Bundle.class)
                .execute();
    }

    private Parameters screen(IGenericClient physio, String patient) {
        return physio.operation()
                .onInstance(patient)
                .named("$screen")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
    }

    private List<String> provenanceActivities(String plan) {
        Bundle found = clientWithToken(Tokens.user("audrey"))
                .search()
                .byUrl("Provenance?target=" + plan)
                .returnBundle(Bundle.class)
                .execute();
        return found.getEntry().stream()
                .map(e -> ((Provenance) e.getResource())
                        .getActivity()
                        .getCodingFirstRep()
                        .getCode())
                .toList();
    }

    /** A session is one activity: its Observations (each written on its own) share one Provenance. */
    private void assertTheSessionHasOneProvenanceNamingEachObservation(Bundle session) {
        List<String> written = session.getEntry().stream()
                .map(e -> "Observation/" + e.getResource().getIdElement().getIdPart())
                .toList();
        assertThat(written).hasSizeGreaterThan(1);
        for (String observation : written) {
            Bundle found = clientWithToken(Tokens.user("audrey"))
                    .search()
                    .byUrl("Provenance?target=" + observation)
                    .returnBundle(Bundle.class)
                    .execute();
            assertThat(found.getEntry()).as("Provenance of " + observation).hasSize(1);
            Provenance provenance = (Provenance) found.getEntryFirstRep().getResource();
            assertThat(provenance.getTarget())
                    .extracting(t ->
                            t.getReferenceElement().toUnqualifiedVersionless().getValue())
                    .containsExactlyInAnyOrderElementsOf(written);
            assertThat(provenance.getActivity().getCodingFirstRep().getCode()).isEqualTo("CREATE");
        }
    }

    private Provenance latestProvenance(String plan) {
        Bundle found = clientWithToken(Tokens.user("audrey"))
                .search()
                .byUrl("Provenance?target=" + plan + "&_sort=-recorded&_count=1")
                .returnBundle(Bundle.class)
                .execute();
        return (Provenance) found.getEntryFirstRep().getResource();
    }

    private String goalMeasuring(IGenericClient physio, CarePlan plan, String loinc) {
        for (Reference ref : plan.getGoal()) {
            Goal goal = physio.read()
                    .resource(Goal.class)
                    .withUrl(ref.getReference())
                    .execute();
            if (goal.getTargetFirstRep().getMeasure().getCoding().stream().anyMatch(c -> loinc.equals(c.getCode()))) {
                return ref.getReference();
            }
        }
        throw new AssertionError("no Goal measuring " + loinc);
    }

    private HttpResponse<byte[]> handout(String plan, boolean store) throws Exception {
        HttpRequest request = HttpRequest.newBuilder(
                        URI.create(baseUrl() + "/" + plan + "/$handout" + (store ? "?store=true" : "")))
                .header("Authorization", "Bearer " + Tokens.user("alice"))
                .header("Accept", "application/pdf")
                .GET()
                .build();
        return HttpClient.newHttpClient().send(request, HttpResponse.BodyHandlers.ofByteArray());
    }

    private static String pdfText(byte[] pdf) throws Exception {
        try (PDDocument document = Loader.loadPDF(pdf)) {
            return new PDFTextStripper().getText(document).replaceAll("\\s+", " ");
        }
    }
}
