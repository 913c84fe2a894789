package org.rehabfhir.server.engine;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.awaitility.Awaitility.await;
import static org.rehabfhir.server.engine.SessionData.*;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.Duration;
import java.time.LocalDate;
import java.time.ZoneOffset;
import java.util.List;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.CsvSource;
import org.rehabfhir.protocols.record.RecordReads;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/** The protocol engine's operations over HTTP, as physiotherapist alice, on demo and freshly made patients. */
class EngineOperationsIT extends AbstractFhirServerIT {

    @Autowired
    private DaoRegistry daoRegistry;

    @Autowired
    private TextCandidateIndex textCandidates;

    @Autowired
    private org.rehabfhir.server.reliability.RegistryRefresh registryRefresh;

    @Autowired
    private javax.sql.DataSource dataSource;

    @Autowired
    private ca.uhn.fhir.rest.server.util.ISearchParamRegistry searchParamRegistry;

    @Autowired
    private ca.uhn.fhir.batch2.api.IJobCoordinator jobs;

    @Autowired
    private ca.uhn.fhir.batch2.api.IJobPartitionProvider jobPartitions;

    private static final String CATALOGUE = "http://rehab-fhir.org/fhir/PlanDefinition/";

    @Test
    void catalogueIsLoadedWithAnEvidenceLabelAndASourcePerRegimen() {
        Bundle regimens = physio().search()
                .forResource(PlanDefinition.class)
                .count(100)
                .returnBundle(Bundle.class)
                .execute();

        List<PlanDefinition> plans = regimens.getEntry().stream()
                .map(e -> (PlanDefinition) e.getResource())
                .filter(plan -> plan.getUrl().startsWith(CATALOGUE))
                .toList();
        assertThat(plans)
                .extracting(plan -> plan.getUrl().substring(CATALOGUE.length()))
                .contains(
                        "bw-knee-osteoarthritis",
                        "bw-stroke-chronic",
                        "bw-stroke-acute",
                        "bw-parkinsons-disease",
                        "bw-multiple-sclerosis",
                        "bw-acl-reconstruction",
                        "bw-patellofemoral-pain",
                        "bw-chronic-low-back-pain",
                        "bw-older-adult-fall-risk");
        // versions sit side by side: each is stored under a version-specific id
        assertThat(plans).allSatisfy(plan -> assertThat(plan.getIdPart())
                .isEqualTo(plan.getUrl().substring(CATALOGUE.length()) + "-" + plan.getVersion()));
        assertThat(plans).allSatisfy(plan -> {
            assertThat(plan.getExtensionByUrl("http://rehab-fhir.org/fhir/StructureDefinition/evidence-level"))
                    .as("evidence label of %s", plan.getIdPart())
                    .isNotNull();
            assertThat(plan.getRelatedArtifact())
                    .as("source of %s", plan.getIdPart())
                    .isNotEmpty();
        });
    }

    @ParameterizedTest(name = "{0} -> {1}")
    @CsvSource({
        "demo-knee-oa, bw-knee-osteoarthritis",
        "demo-stroke, bw-stroke-chronic",
        "demo-parkinsons, bw-parkinsons-disease"
    })
    void demoPatientsAreRecommendedTheirRegimen(String patientId, String regimen) {
        Bundle result = recommend(physio(), "Patient/" + patientId);

        assertThat(carePlans(result))
                .extracting(plan -> plan.getInstantiatesCanonical().get(0).getValue())
                .anySatisfy(canonical -> assertThat(canonical).startsWith(CATALOGUE + regimen));
    }

    @Test
    void demoKneePatientWithARecentCompleteScreenNeedsNoReview() {
        Bundle result = recommend(physio(), "Patient/demo-knee-oa");

        CarePlan plan = carePlans(result).get(0);
        assertThat(plan.getExtensionByUrl("http://rehab-fhir.org/fhir/StructureDefinition/screening-result")
                        .getExtensionByUrl("status")
                        .getValue())
                .isInstanceOfSatisfying(
                        Coding.class, status -> assertThat(status.getCode()).isEqualTo("clear"));
    }

    @Test
    void patientCodedOnlyInIcd10CmWithACompleteSafeScreenGetsACleanDraftPlan() {
        String patient = newPatient(icd10("M17.11", "Unilateral primary osteoarthritis, right knee"));
        safeScreening(patient).forEach(o -> ehr().create().resource(o).execute());

        Bundle result = recommend(physio(), patient);

        CarePlan first = carePlans(result).get(0);
        assertThat(first.getStatus()).isEqualTo(CarePlan.CarePlanStatus.DRAFT);
        assertThat(first.getInstantiatesCanonical().get(0).getValue()).startsWith(CATALOGUE + "bw-knee-osteoarthritis");
        assertThat(first.getSubject().getReference()).isEqualTo(patient);
        assertThat(CLIENT_CONTEXT.newJsonParser().encodeResourceToString(first)).contains("M17.11");
    }

    @Test
    void unrelatedConditionGivesNoRegimenAndSaysWhy() {
        Condition unrelated = new Condition();
        unrelated.setCode(new CodeableConcept().setText("Seasonal allergic rhinitis"));
        String patient = newPatient(unrelated);

        Bundle result = recommend(physio(), patient);

        assertThat(carePlans(result)).isEmpty();
        OperationOutcome why = (OperationOutcome) result.getEntryFirstRep().getResource();
        assertThat(why.getIssueFirstRep().getDetails().getCodingFirstRep().getCode())
                .isEqualTo("no-matching-condition");
    }

    @Test
    void restingHeartRateAbove120ExcludesWithABundleHoldingTheOperationOutcomeThatNamesIt() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        safeScreening(patient).forEach(o -> ehr().create().resource(o).execute());
        ehr().create().resource(heartRate(patient, 131, daysAgo(0))).execute();

        Bundle result = recommend(physio(), patient);

        assertThat(carePlans(result)).isEmpty();
        assertThat(result.getEntry())
                .singleElement()
                .extracting(Bundle.BundleEntryComponent::getResource)
                .isInstanceOf(OperationOutcome.class);
        assertThat(((OperationOutcome) result.getEntryFirstRep().getResource()).getIssue())
                .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .singleElement()
                .satisfies(issue -> assertThat(
                                issue.getDetails().getCodingFirstRep().getCode())
                        .contains("heart-rate"));
        assertThatThrownBy(() -> apply(physio(), "bw-knee-osteoarthritis", patient))
                .isInstanceOf(UnprocessableEntityException.class);
    }

    @Test
    void anMmseKnownOnlyByItsTextBehindAFeedOfHeartRatesStillExcludes() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        safeScreening(patient).forEach(o -> ehr().create().resource(o).execute());
        Observation mmse = textOnlyMmse(patient, 15, daysAgo(1));
        ehr().create().resource(mmse).execute();
        heartRateFeed(patient, RecordReads.TEXT_CANDIDATES + 10);
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofSeconds(2))
                .until(textCandidates::ready);

        Bundle result = recommend(physio(), patient);

        assertThat(carePlans(result)).isEmpty();
        assertThat(((OperationOutcome) result.getEntryFirstRep().getResource()).getIssue())
                .filteredOn(i -> i.getSeverity() == OperationOutcome.IssueSeverity.ERROR)
                .anySatisfy(issue -> assertThat(
                                issue.getDetails().getCodingFirstRep().getCode())
                        .contains("mmse"));
    }

    @Test
    void theTextCandidateIndexAnswersAsCodeNotDoes() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        safeScreening(patient).forEach(o -> ehr().create().resource(o).execute());
        ehr().create().resource(textOnlyMmse(patient, 25, daysAgo(3))).execute();
        heartRateFeed(patient, 30);
        await().atMost(Duration.ofMinutes(4))
                .pollInterval(Duration.ofSeconds(2))
                .until(textCandidates::ready);
        LocalDate since = LocalDate.now(ZoneOffset.UTC).minusDays(400);
        TextCandidateIndex off = new TextCandidateIndex(
                new EngineProperties(true, "", null, true, false),
                registryRefresh,
                daoRegistry,
                dataSource,
                searchParamRegistry,
                jobs,
                jobPartitions);

        List<String> byIndex = ids(new StoredObservations(daoRegistry, textCandidates, patient)
                .newestSinceExcept(since, RecordReads.TEXT_CANDIDATES_EXCEPT, 20));
        List<String> byCodeNot = ids(new StoredObservations(daoRegistry, off, patient)
                .newestSinceExcept(since, RecordReads.TEXT_CANDIDATES_EXCEPT, 20));

        // the screen's twelve Observations but its heart rate, and the text-only MMSE (the order of equal dates is
        // the database's)
        assertThat(byIndex).hasSize(safeScreening(patient).size()).containsExactlyInAnyOrderElementsOf(byCodeNot);
        assertThat(ids(searchIndex(patient))).containsExactlyInAnyOrderElementsOf(byIndex);
        assertThat(searchIndex(patient))
                .noneSatisfy(o ->
                        assertThat(o.getCode().getCodingFirstRep().getCode()).isEqualTo("8867-4"));
        assertThat(new StoredObservations(daoRegistry, textCandidates, patient)
                        .newestSinceExcept(since, RecordReads.TEXT_CANDIDATES_EXCEPT, 5))
                .hasSize(5);
    }

    private List<Observation> searchIndex(String patient) {
        @SuppressWarnings("unchecked")
        List<Observation> found = (List<Observation>) (List<?>) daoRegistry
                .getResourceDao(Observation.class)
                .searchForResources(
                        SearchParameterMap.newSynchronous().add(TextCandidateIndex.CODE, new ReferenceParam(patient)),
                        new SystemRequestDetails());
        return found;
    }

    private static List<String> ids(List<Observation> observations) {
        return observations.stream()
                .map(o -> o.getIdElement().toUnqualifiedVersionless().getValue())
                .toList();
    }

    /** An MMSE from another system: no coding, only its text, as the screen recognises it. */
    private static Observation textOnlyMmse(String patient, double score, java.time.OffsetDateTime when) {
        Observation mmse = heartRate(patient, score, when);
        mmse.setCode(new CodeableConcept().setText("MMSE total score"));
        mmse.getValueQuantity().setUnit("{score}").setCode("{score}");
        mmse.getCategoryFirstRep().getCodingFirstRep().setCode("exam");
        return mmse;
    }

    /** {@code count} heart rates of the last hours, newer than everything else on the record, in one transaction. */
    private void heartRateFeed(String patient, int count) {
        Bundle feed = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < count; i++) {
            feed.addEntry()
                    .setResource(heartRate(
                            patient,
                            70 + i % 10,
                            java.time.OffsetDateTime.now(ZoneOffset.UTC).minusMinutes(10L * i + 1)))
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        ehr().transaction().withBundle(feed).execute();
    }

    @Test
    void applyReturnsADraftCarePlanThatIsStoredOnlyWhenTheClinicianSavesIt() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));

        CarePlan draft = apply(physio(), "bw-knee-osteoarthritis", patient);

        assertThat(draft.getStatus()).isEqualTo(CarePlan.CarePlanStatus.DRAFT);
        assertThat(draft.getIntent()).isEqualTo(CarePlan.CarePlanIntent.PLAN);
        assertThat(draft.getInstantiatesCanonical().get(0).getValue()).startsWith(CATALOGUE + "bw-knee-osteoarthritis");
        assertThat(draft.getActivity()).isNotEmpty().allSatisfy(activity -> {
            assertThat(activity.getDetail().getScheduledTiming().getRepeat().getFrequency())
                    .isPositive();
            assertThat(activity.getDetail()
                            .getScheduledTiming()
                            .getRepeat()
                            .getBoundsPeriod()
                            .getStart())
                    .isNotNull();
            assertThat(activity.getDetail().getCode().getCoding())
                    .extracting(Coding::getCode)
                    .contains("229065009");
        });
        assertThat(draft.getContained())
                .filteredOn(r -> r instanceof Goal)
                .isNotEmpty()
                .allSatisfy(goal -> assertThat(((Goal) goal)
                                .getTargetFirstRep()
                                .getMeasure()
                                .getCodingFirstRep()
                                .getCode())
                        .isIn("89423-8", "72514-3"));
        assertThat(carePlansStoredFor(patient)).isZero();

        IdType saved = (IdType) physio().create().resource(draft).execute().getId();

        assertThat(saved.getIdPart()).isNotBlank();
        assertThat(carePlansStoredFor(patient)).isEqualTo(1);
    }

    @Test
    void applyWithoutAPatientSubjectIsABadRequest() {
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType("Group/ward-3"));
        assertThatThrownBy(() -> physio().operation()
                        .onInstance(
                                new IdType("PlanDefinition", TestData.storedPlanDefinitionId("bw-knee-osteoarthritis")))
                        .named("$apply")
                        .withParameters(in)
                        .returnResourceType(CarePlan.class)
                        .execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class);
    }

    @Test
    void twoGoodSessionsProgressAndAFallSuspends() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        CarePlan draft = apply(physio(), "bw-knee-osteoarthritis", patient);
        draft.setStatus(CarePlan.CarePlanStatus.ACTIVE);
        // no screen on record: activating needs the clinician's override (the care-pathway ITs screen first)
        org.rehabfhir.protocols.apply.PlanApplier.setOverrideReason(
                draft, "screened on paper; progression tested here");
        String plan = physio().create()
                .resource(draft)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        for (int day : new int[] {4, 2}) {
            physio().create()
                    .resource(pain(patient, plan, 3, daysAgo(day).minusHours(1)))
                    .execute();
            physio().create()
                    .resource(duration(patient, plan, 10, daysAgo(day)))
                    .execute();
            physio().create()
                    .resource(rpe(patient, plan, 4, daysAgo(day).plusMinutes(15)))
                    .execute();
            physio().create()
                    .resource(pain(patient, plan, 3, daysAgo(day).plusHours(24)))
                    .execute();
        }

        assertThat(decision(evaluate(plan))).isEqualTo("progress");

        physio().create().resource(duration(patient, plan, 10, daysAgo(0))).execute();
        physio().create()
                .resource(event(patient, plan, "fall", daysAgo(0).plusMinutes(5)))
                .execute();

        Parameters afterFall = evaluate(plan);
        assertThat(decision(afterFall)).isEqualTo("suspend");
        assertThat(afterFall.getParameter())
                .filteredOn(p -> p.getName().equals("reason"))
                .isNotEmpty();
    }

    @Test
    void anotherPatientsObservationNamingThePlanDoesNotMoveIt() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        String plan = physio().create()
                .resource(apply(physio(), "bw-knee-osteoarthritis", patient))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        String stranger = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        ehr().create().resource(event(stranger, plan, "fall", daysAgo(0))).execute();

        assertThat(decision(evaluate(plan))).isNotEqualTo("suspend");
    }

    @Test
    void applyWithAPractitionerThatDoesNotExistIsABadRequest() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType(patient));
        in.addParameter()
                .setName("practitioner")
                .setValue(new StringType("Practitioner/nobody-" + TestData.uniqueMrn()));

        assertThatThrownBy(() -> physio().operation()
                        .onInstance(
                                new IdType("PlanDefinition", TestData.storedPlanDefinitionId("bw-knee-osteoarthritis")))
                        .named("$apply")
                        .withParameters(in)
                        .returnResourceType(CarePlan.class)
                        .execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class);
    }

    @Test
    void applyOfAPlanDefinitionTheCatalogueDoesNotHoldIsUnprocessableNotAServerError() {
        PlanDefinition elsewhere = new PlanDefinition();
        elsewhere.setId("elsewhere-" + TestData.uniqueMrn());
        elsewhere
                .setUrl("http://example.org/fhir/PlanDefinition/" + elsewhere.getIdPart())
                .setVersion("1.0");
        elsewhere.setStatus(org.hl7.fhir.r4.model.Enumerations.PublicationStatus.ACTIVE);
        PlanDefinition.PlanDefinitionActionComponent action = elsewhere.addAction();
        action.setId("phase-1");
        action.setDefinition(new org.hl7.fhir.r4.model.CanonicalType(
                "http://example.org/fhir/ActivityDefinition/not-in-the-catalogue"));
        daoRegistry.getResourceDao(PlanDefinition.class).update(elsewhere, new SystemRequestDetails());
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType(patient));

        assertThatThrownBy(() -> physio().operation()
                        .onInstance(new IdType("PlanDefinition", elsewhere.getIdPart()))
                        .named("$apply")
                        .withParameters(in)
                        .returnResourceType(CarePlan.class)
                        .execute())
                .isInstanceOf(UnprocessableEntityException.class)
                .hasMessageContaining("not a regimen of this server's catalogue");
    }

    @Test
    void applyWithAStartThatIsNotAFullDateIsABadRequest() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType(patient));
        in.addParameter().setName("start").setValue(new org.hl7.fhir.r4.model.DateType("2026-05"));

        assertThatThrownBy(() -> physio().operation()
                        .onInstance(
                                new IdType("PlanDefinition", TestData.storedPlanDefinitionId("bw-knee-osteoarthritis")))
                        .named("$apply")
                        .withParameters(in)
                        .returnResourceType(CarePlan.class)
                        .execute())
                .isInstanceOf(ca.uhn.fhir.rest.server.exceptions.InvalidRequestException.class)
                .hasMessageContaining("full date");
    }

    @Test
    void hardSessionRegresses() {
        String patient = newPatient(TestData.kneeOsteoarthritis("Patient/placeholder"));
        CarePlan draft = apply(physio(), "bw-knee-osteoarthritis", patient);
        String plan = physio().create()
                .resource(draft)
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        physio().create().resource(duration(patient, plan, 10, daysAgo(1))).execute();
        physio().create()
                .resource(rpe(patient, plan, 8, daysAgo(1).plusMinutes(15)))
                .execute();

        assertThat(decision(evaluate(plan))).isEqualTo("regress");
    }

    private String newPatient(Condition condition) {
        String patient = ehr().create()
                .resource(TestData.patient(TestData.uniqueMrn()))
                .execute()
                .getId()
                .toUnqualifiedVersionless()
                .getValue();
        condition.setSubject(new Reference(patient));
        if (!condition.hasClinicalStatus()) {
            condition.setClinicalStatus(new CodeableConcept(
                    new Coding("http://terminology.hl7.org/CodeSystem/condition-clinical", "active", null)));
        }
        ehr().create().resource(condition).execute();
        return patient;
    }

    private static Condition icd10(String code, String display) {
        Condition condition = new Condition();
        condition.setCode(new CodeableConcept(new Coding(TestData.ICD10CM, code, display)));
        return condition;
    }

    private Bundle recommend(IGenericClient client, String patient) {
        return client.operation()
                .onInstance(new IdType(patient))
                .named("$recommend-regimens")
                .withNoParameters(Parameters.class)
                .returnResourceType(Bundle.class)
                .useHttpGet()
                .execute();
    }

    private CarePlan apply(IGenericClient client, String planDefinitionId, String patient) {
        Parameters in = new Parameters();
        in.addParameter().setName("subject").setValue(new StringType(patient));
        in.addParameter().setName("practitioner").setValue(new StringType("Practitioner/alice"));
        return client.operation()
                .onInstance(new IdType("PlanDefinition", TestData.storedPlanDefinitionId(planDefinitionId)))
                .named("$apply")
                .withParameters(in)
                .returnResourceType(CarePlan.class)
                .execute();
    }

    private Parameters evaluate(String carePlan) {
        return physio().operation()
                .onInstance(new IdType(carePlan))
                .named("$evaluate-progress")
                .withNoParameters(Parameters.class)
                .execute();
    }

    private static String decision(Parameters parameters) {
        return ((Coding) parameters.getParameter("decision").getValue()).getCode();
    }

    private int carePlansStoredFor(String patient) {
        return ehr().search()
                .forResource(CarePlan.class)
                .where(CarePlan.PATIENT.hasId(patient))
                .returnBundle(Bundle.class)
                .execute()
                .getEntry()
                .size();
    }

    private static List<CarePlan> carePlans(Bundle bundle) {
        return bundle.getEntry().stream()
                .map(Bundle.BundleEntryComponent::getResource)
                .filter(CarePlan.class::isInstance)
                .map(CarePlan.class::cast)
                .toList();
    }
}
