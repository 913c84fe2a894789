package org.rehabfhir.server.pathway;

import static org.assertj.core.api.Assertions.assertThat;
import static org.rehabfhir.server.pathway.Pathway.*;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CareTeam;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.security.AbstractCareTeamNarrowingIT;
import org.rehabfhir.server.support.TestData;
import org.rehabfhir.server.support.Tokens;

/** Each care-pathway step refuses bad input with a 4xx OperationOutcome naming the problem, and stores nothing. */
class CarePathwayBadInputIT extends AbstractCareTeamNarrowingIT {

    /** A knee-OA patient referred to alice and in her CareTeam (set up by the EHR). */
    private Referral aliceKneePatient() {
        Referral referral = refer(ehr(), TestData.kneeOsteoarthritis("Patient/x"), "Practitioner/alice");
        CareTeam team =
                new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE).setSubject(new Reference(referral.patient()));
        team.addParticipant().setMember(new Reference("Practitioner/alice"));
        ehr().create().resource(team).execute();
        return referral;
    }

    /** A saved draft knee-OA plan of a patient with a passing screen. */
    private String draftPlan(Referral referral) {
        QuestionnaireResponse screen = passingScreen(referral.patient());
        screen.setAuthored(new java.util.Date(System.currentTimeMillis() - 3_600_000L));
        physio().create().resource(screen).execute();
        return save(physio(), apply(physio(), KNEE_OA, referral.patient(), 7));
    }

    private String activePlan() {
        String plan = draftPlan(aliceKneePatient());
        activate(physio(), plan, null, null);
        return plan;
    }

    // ------------------------------------------------------------------------------------------------ referral

    @Test
    void aReferralToAnotherPhysiotherapistCannotBeAccepted() {
        Referral toBob = refer(ehr(), TestData.kneeOsteoarthritis("Patient/x"), "Practitioner/bob");
        assertThat(refused(() -> accept(physio(), toBob.serviceRequest())).status())
                .isEqualTo(403);
        assertThat(count(ehr(), "CareTeam?subject=" + toBob.patient())).isZero();
    }

    @Test
    void aReferralThatIsNoLongerActiveCannotBeAccepted() {
        Referral referral = aliceKneePatient();
        ServiceRequest completed = ehr().read()
                .resource(ServiceRequest.class)
                .withUrl(referral.serviceRequest())
                .execute();
        completed.setStatus(ServiceRequest.ServiceRequestStatus.COMPLETED);
        ehr().update().resource(completed).execute();
        Refusal refusal = refused(() -> accept(physio(), referral.serviceRequest()));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("completed");
    }

    @Test
    void onlyAPhysiotherapistAcceptsAReferral() {
        Referral referral = aliceKneePatient();
        assertThat(refused(() -> accept(ehr(), referral.serviceRequest())).status())
                .isEqualTo(403);
        assertThat(refused(() -> accept(auditor(), referral.serviceRequest())).status())
                .isEqualTo(403);
    }

    @Test
    void aPhysiotherapistCannotCreateACareTeamHerself() {
        Referral toBob = refer(ehr(), TestData.kneeOsteoarthritis("Patient/x"), "Practitioner/bob");
        CareTeam team =
                new CareTeam().setStatus(CareTeam.CareTeamStatus.ACTIVE).setSubject(new Reference(toBob.patient()));
        team.addParticipant().setMember(new Reference("Practitioner/alice"));
        assertThat(refused(() -> physio().create().resource(team).execute()).status())
                .isEqualTo(403);
    }

    // ------------------------------------------------------------------------------------------------ screen

    @Test
    void anIncompleteScreenIsRefusedNamingEachItemAndNothingIsStored() {
        Referral referral = aliceKneePatient();
        QuestionnaireResponse response = passingScreen(referral.patient());
        answer(response, "heart-rate", null);
        answer(response, "mmse-total", new IntegerType(42));
        int before = count(physio(), "Observation?subject=" + referral.patient());

        Refusal refusal = refused(() -> physio().create().resource(response).execute());

        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.outcome().getIssue()).anySatisfy(i -> assertThat(i.getExpression())
                .anySatisfy(e -> assertThat(e.getValue()).contains("heart-rate")));
        assertThat(refusal.outcome().getIssue())
                .anySatisfy(i -> assertThat(i.getDiagnostics()).contains("mmse-total", "at most 30"));
        assertThat(count(physio(), "QuestionnaireResponse?subject=" + referral.patient()))
                .isZero();
        assertThat(count(physio(), "Observation?subject=" + referral.patient())).isEqualTo(before);
    }

    @Test
    void aResponseToAnotherQuestionnaireIsRefused() {
        Referral referral = aliceKneePatient();
        QuestionnaireResponse response =
                passingScreen(referral.patient()).setQuestionnaire("http://example.org/fhir/Questionnaire/phq-9");
        Refusal refusal = refused(() -> physio().create().resource(response).execute());
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("retro-walking-safety-screen");
    }

    @Test
    void aScreenBasedOnAnotherPatientsReferralIsRefused() {
        Referral mine = aliceKneePatient();
        Referral other = aliceKneePatient();
        QuestionnaireResponse response = passingScreen(mine.patient());
        response.addBasedOn(new Reference(other.serviceRequest()));
        Refusal refusal = refused(() -> physio().create().resource(response).execute());
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("another patient");
        assertThat(count(physio(), "QuestionnaireResponse?subject=" + mine.patient()))
                .isZero();
    }

    @Test
    void thirtyFeetOfWalkingAreNineMetresAndExcludeThePatient() {
        Referral referral = aliceKneePatient();
        physio().create()
                .resource(answer(passingScreen(referral.patient()), "max-walking-distance", quantity(30, "[ft_i]")))
                .execute();
        Parameters screen = physio().operation()
                .onInstance(referral.patient())
                .named("$screen")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute();
        assertThat(((Coding) screen.getParameter("status").getValue()).getCode())
                .isEqualTo("excluded");
        Bundle recommended = physio().operation()
                .onInstance(referral.patient())
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .returnResourceType(Bundle.class)
                .execute();
        OperationOutcome exclusion =
                (OperationOutcome) recommended.getEntryFirstRep().getResource();
        assertThat(exclusion.getIssue())
                .anySatisfy(i ->
                        assertThat(i.getDetails().getCodingFirstRep().getCode()).isEqualTo("minimum-walking-distance"));
    }

    // ------------------------------------------------------------------------------------------------ activation

    @Test
    void anUnknownPlanGetsTheSameAnswerAsAnotherTeamsPlan() {
        // narrowed: whether a plan exists is not told to a physiotherapist outside its patient's team
        assertThat(refused(() -> activate(physio(), "CarePlan/no-such-plan", null, null))
                        .status())
                .isEqualTo(403);
    }

    @Test
    void anActivePlanCannotBeActivatedAgain() {
        String plan = activePlan();
        Refusal refusal = refused(() -> activate(physio(), plan, null, null));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("already active");
    }

    @Test
    void aPatientExcludedSinceTheDraftIsNotActivated() {
        Referral referral = aliceKneePatient();
        String plan = draftPlan(referral);
        physio().create()
                .resource(answer(passingScreen(referral.patient()), "heart-rate", quantity(130, "/min")))
                .execute();
        Refusal refusal = refused(() -> activate(physio(), plan, "overrideReason", "I know better"));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.outcome().getIssue())
                .anySatisfy(i ->
                        assertThat(i.getDetails().getCodingFirstRep().getCode()).isEqualTo("resting-heart-rate"));
        assertThat(physio().read()
                        .resource(CarePlan.class)
                        .withUrl(plan)
                        .execute()
                        .getStatus())
                .isEqualTo(CarePlan.CarePlanStatus.DRAFT);
        assertThat(count(physio(), "Goal?patient=" + referral.patient())).isZero();
    }

    @Test
    void aPutThatMovesADraftToActiveStoresTheGoalsToo() {
        Referral referral = aliceKneePatient();
        String plan = draftPlan(referral);
        CarePlan draft = physio().read().resource(CarePlan.class).withUrl(plan).execute();
        draft.setStatus(CarePlan.CarePlanStatus.ACTIVE);
        physio().update().resource(draft).execute();
        CarePlan active = physio().read().resource(CarePlan.class).withUrl(plan).execute();
        assertThat(active.getGoal())
                .allSatisfy(g -> assertThat(g.getReference()).startsWith("Goal/"));
        assertThat(count(physio(), "Goal?patient=" + referral.patient() + "&lifecycle-status=active"))
                .isEqualTo(active.getGoal().size())
                .isPositive();
    }

    @Test
    void onlyAPhysiotherapistActivates() {
        String plan = draftPlan(aliceKneePatient());
        assertThat(refused(() -> activate(auditor(), plan, null, null)).status())
                .isEqualTo(403);
        assertThat(refused(() -> activate(ehr(), plan, null, null)).status()).isEqualTo(403);
    }

    // ------------------------------------------------------------------------------------------------ sessions

    @Test
    void aSessionWithoutItsRpeIsRefusedNamingItAndNothingIsStored() {
        String plan = activePlan();
        Refusal refusal = refused(() -> recordSession(physio(), plan, with(session(1, 4, 3, null), "rpe", null)));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.outcome().getIssue()).anySatisfy(i -> assertThat(i.getExpression())
                .anySatisfy(e -> assertThat(e.getValue()).isEqualTo("Parameters.parameter.where(name='rpe')")));
        assertThat(count(physio(), "Observation?based-on=" + plan)).isZero();
    }

    @Test
    void outOfRangeValuesAreRefusedEachByName() {
        String plan = activePlan();
        Parameters bad = with(
                with(with(session(1, 4, 3, null), "painBefore", new IntegerType(11)), "surface", new CodeType("ice")),
                "supervision",
                new CodeType("9"));
        Refusal refusal = refused(() -> recordSession(physio(), plan, bad));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("'painBefore'", "'surface'", "'supervision'");
        assertThat(count(physio(), "Observation?based-on=" + plan)).isZero();
    }

    @Test
    void aTwentyFourHourPainScoreOfASessionJustNowIsRefused() {
        String plan = activePlan();
        // an hour ago, whatever the time of day (session(0, ...) is today at 10:00 UTC: 12 h past it after 22:00 UTC,
        // when the 24-hour score is allowed; the test failed in a full build at 22:15 UTC)
        Parameters justNow = with(
                session(0, 4, 3, 3),
                "date",
                new DateTimeType(java.util.Date.from(Instant.now().minus(1, ChronoUnit.HOURS))));
        Refusal refusal = refused(() -> recordSession(physio(), plan, justNow));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("'pain24h'");
    }

    @Test
    void aSessionOfADraftPlanIsRefused() {
        String plan = draftPlan(aliceKneePatient());
        Refusal refusal = refused(() -> recordSession(physio(), plan, session(1, 4, 3, null)));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("draft");
    }

    @Test
    void aSessionOfAnotherTeamsPatientIsRefused() {
        IGenericClient bob = clientWithToken(Tokens.user("bob"));
        CarePlan bobs = TestData.carePlan("Patient/demo-parkinsons", CarePlan.CarePlanStatus.DRAFT);
        String plan = bob.create()
                .resource(bobs)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        assertThat(refused(() -> recordSession(physio(), plan, session(1, 4, 3, null)))
                        .status())
                .isEqualTo(403);
    }

    // ------------------------------------------------------------------------------------------------ progress

    @Test
    void progressWithNothingToApplyIsRefused() {
        String plan = activePlan();
        Refusal refusal = refused(() -> applyProgress(physio(), plan, null));
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("Nothing to apply", "hold");
    }

    @Test
    void anUnknownDecisionIsRefused() {
        String plan = activePlan();
        assertThat(refused(() -> applyProgress(physio(), plan, "skip-ahead")).status())
                .isEqualTo(422);
    }

    @Test
    void aClinicianMayRegressWhateverTheSessionsSay() {
        String plan = activePlan();
        recordSession(physio(), plan, with(session(1, 2, 1, null), "nearFall", new BooleanType(false)));
        CarePlan regressed = applyProgress(physio(), plan, "regress");
        assertThat(regressed.getNote()).anyMatch(n -> n.getText().contains("Regression chosen by the physiotherapist"));
    }

    // ------------------------------------------------------------------------------------------------ handout

    @Test
    void aDraftHasNoHandout() {
        String plan = draftPlan(aliceKneePatient());
        Refusal refusal = refused(() -> physio().operation()
                .onInstance(plan)
                .named("$handout")
                .withNoParameters(Parameters.class)
                .useHttpGet()
                .execute());
        assertThat(refusal.status()).isEqualTo(422);
        assertThat(refusal.diagnostics()).contains("draft");
    }
}
