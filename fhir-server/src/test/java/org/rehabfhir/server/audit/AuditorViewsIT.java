package org.rehabfhir.server.audit;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;
import static org.rehabfhir.server.support.TestData.*;

import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import java.math.BigDecimal;
import java.math.RoundingMode;
import java.util.ArrayList;
import java.util.Comparator;
import java.util.HashMap;
import java.util.HashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Parameters.ParametersParameterComponent;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;

/** {@code $access-log} and {@code $rehab-outcomes} answer what the stored data implies. */
class AuditorViewsIT extends AbstractFhirServerIT {

	static final String KNEE_OA_PLAN = "http://rehab-fhir.org/fhir/PlanDefinition/bw-knee-osteoarthritis";
	static final String OUTCOME_CS = "http://rehab-fhir.org/fhir/CodeSystem/outcome-measure";

	@Test
	void accessLogListsTheDatesAndPurposesOfReadsOfThePatient() {
		String patient = newPatient();
		IGenericClient alice = physio();
		alice.read().resource(Patient.class).withId(patient).withAdditionalHeader("X-Purpose-Of-Use", "TREAT").execute();
		alice.read().resource(Patient.class).withId(patient)
				.withAdditionalHeader("X-Purpose-Of-Use", "http://terminology.hl7.org/CodeSystem/v3-ActReason|PATRQT").execute();
		alice.search().forResource(Observation.class).where(Observation.SUBJECT.hasId(patient)).returnBundle(Bundle.class).execute();
		assertThatThrownBy(() -> auditor().read().resource(Patient.class).withId(patient).execute())
				.isInstanceOf(ForbiddenOperationException.class); // denied: not an access to the data

		Parameters log = auditor().operation().onInstance(new IdType(patient)).named("$access-log")
				.withNoParameters(Parameters.class).useHttpGet().execute();

		// expected: the successful reads and searches the audit trail holds for this patient
		Bundle events = auditor().search().forResource(AuditEvent.class).where(AuditEvent.PATIENT.hasId(patient))
				.count(200).returnBundle(Bundle.class).execute();
		List<AuditEvent> reads = events.getEntry().stream().map(e -> (AuditEvent) e.getResource())
				.filter(e -> e.getOutcome() == AuditEvent.AuditEventOutcome._0)
				.filter(e -> e.getAction() == AuditEvent.AuditEventAction.R || e.getAction() == AuditEvent.AuditEventAction.E)
				.filter(e -> !e.getOutcomeDesc().contains("$access-log"))
				.sorted(Comparator.comparing((AuditEvent e) -> Long.parseLong(e.getIdElement().getIdPart())).reversed())
				.toList();
		assertThat(reads).hasSize(3);
		List<ParametersParameterComponent> accesses = log.getParameter().stream().filter(p -> p.getName().equals("access")).toList();
		assertThat(log.getParameterValue("total").primitiveValue()).isEqualTo("3");
		assertThat(accesses).hasSize(3);
		for (int i = 0; i < reads.size(); i++) {
			ParametersParameterComponent access = accesses.get(i);
			AuditEvent event = reads.get(i);
			assertThat(part(access, "auditEvent").get(0).getValue()).isInstanceOfSatisfying(Reference.class,
					r -> assertThat(r.getReference()).isEqualTo("AuditEvent/" + event.getIdElement().getIdPart()));
			assertThat(((DateTimeType) part(access, "date").get(0).getValue()).getValue().getTime() / 1000)
					.isEqualTo(event.getRecorded().getTime() / 1000);
			List<String> purposes = part(access, "purposeOfUse").stream().map(p -> ((Coding) p.getValue()).getCode()).toList();
			assertThat(purposes).isEqualTo(event.getPurposeOfEvent().stream()
					.map(c -> c.getCodingFirstRep().getCode()).toList());
		}
		// newest first: the search (no purpose), then PATRQT, then TREAT
		assertThat(part(accesses.get(0), "interaction").get(0).getValue().primitiveValue()).isEqualTo("search-type");
		assertThat(part(accesses.get(1), "purposeOfUse")).extracting(p -> ((Coding) p.getValue()).getCode()).containsExactly("PATRQT");
		assertThat(part(accesses.get(2), "purposeOfUse")).extracting(p -> ((Coding) p.getValue()).getCode()).containsExactly("TREAT");
	}

	@Test
	void accessLogOfAPatientThatDoesNotExistIsNotFound() {
		String missing = "missing-" + java.util.UUID.randomUUID().toString().substring(0, 8);
		assertThatThrownBy(() -> auditor().operation().onInstance(new IdType("Patient", missing)).named("$access-log")
				.withNoParameters(Parameters.class).useHttpGet().execute()).isInstanceOf(ResourceNotFoundException.class);
	}

	@Test
	void accessLogIsForAuditorsOnly() {
		String patient = newPatient();
		assertThatThrownBy(() -> physio().operation().onInstance(new IdType(patient)).named("$access-log")
				.withNoParameters(Parameters.class).useHttpGet().execute()).isInstanceOf(ForbiddenOperationException.class);
	}

	@Test
	void rehabOutcomesSummariseTheChangePerRegimenAndMeasure() {
		IGenericClient alice = physio();
		String p1 = newPatient();
		String p2 = newPatient();
		String pDraft = newPatient();
		String pDone = newPatient();
		ehr().create().resource(kneeOsteoarthritis(p1)).execute();
		String plan1 = plan(alice, p1, KNEE_OA_PLAN + "|0.1.0");
		String plan2 = plan(alice, p2, KNEE_OA_PLAN);
		// a draft (proposed, never started) is not counted; a completed plan is
		String draft = plan(alice, pDraft, KNEE_OA_PLAN, CarePlan.CarePlanStatus.DRAFT);
		String done = plan(alice, pDone, KNEE_OA_PLAN, CarePlan.CarePlanStatus.COMPLETED);
		observe(alice, tug(pDraft, draft, 20.0, "2026-01-05T10:00:00Z"));
		observe(alice, tug(pDraft, draft, 10.0, "2026-02-05T10:00:00Z"));
		observe(alice, tug(pDone, done, 16.0, "2026-01-06T10:00:00Z"));
		observe(alice, tug(pDone, done, 12.0, "2026-02-06T10:00:00Z"));
		observe(alice, tug(p1, plan1, 15.0, "2026-01-05T10:00:00Z"));
		observe(alice, tug(p1, plan1, 11.0, "2026-03-05T10:00:00Z"));
		observe(alice, tug(p1, plan1, 12.5, "2026-02-05T10:00:00Z"));
		observe(alice, tug(p2, plan2, 14.0, "2026-01-10T10:00:00Z"));
		observe(alice, tug(p2, plan2, 13.0, "2026-02-10T10:00:00Z"));
		Observation wrong = tug(p2, plan2, 30.0, "2026-02-11T10:00:00Z");
		wrong.setStatus(Observation.ObservationStatus.ENTEREDINERROR);
		observe(alice, wrong);
		observe(alice, based(painScore(p1, 6, "2026-01-05T10:05:00Z"), plan1));
		observe(alice, based(painScore(p1, 3, "2026-03-05T10:05:00Z"), plan1));
		observe(alice, tenMetreWalk(p2, plan2, 0.8, "2026-01-10T10:10:00Z"));
		observe(alice, tenMetreWalk(p2, plan2, 1.0, "2026-02-10T10:10:00Z"));
		observe(alice, timedUpAndGo(p1, 9.0, "2026-04-01T10:00:00Z")); // not based on a plan: not counted

		Parameters byGroup = outcomes("knee-osteoarthritis");
		ParametersParameterComponent regimen = regimen(byGroup, KNEE_OA_PLAN);
		Expected expected = expected(null);
		assertThat(expected.patients).contains(p1, p2, pDone).doesNotContain(pDraft);
		assertThat(intPart(regimen, "patients")).isEqualTo(expected.patients.size()).isGreaterThanOrEqualTo(3);
		assertThat(intPart(regimen, "carePlans")).isEqualTo(expected.plans);
		for (String measure : List.of("http://loinc.org|89423-8", "http://loinc.org|72514-3", OUTCOME_CS + "|gait-speed-10mwt",
				OUTCOME_CS + "|berg-balance-total", "http://loinc.org|83172-7")) {
			ParametersParameterComponent m = measure(regimen, measure);
			Map<String, List<Observation>> perPatient = expected.observations.getOrDefault(measure, Map.of());
			assertThat(intPart(m, "patients")).as(measure).isEqualTo(perPatient.size());
			assertThat(intPart(m, "observations")).as(measure)
					.isEqualTo(perPatient.values().stream().mapToInt(List::size).sum());
			BigDecimal mean = meanChange(perPatient);
			if (mean == null) {
				assertThat(part(m, "meanChange")).as(measure).isEmpty();
			} else {
				assertThat(new BigDecimal(part(m, "meanChange").get(0).getValue().primitiveValue())).as(measure)
						.isEqualByComparingTo(mean);
			}
		}
		assertThat(intPart(measure(regimen, "http://loinc.org|89423-8"), "patientsWithChange")).isGreaterThanOrEqualTo(3);

		// by condition code: only patients with a knee OA Condition (p1, not p2)
		Parameters byCode = outcomes("http://snomed.info/sct|239873007");
		ParametersParameterComponent coded = regimen(byCode, KNEE_OA_PLAN);
		Expected expectedCoded = expected(patientsWithKneeOa());
		assertThat(expectedCoded.patients).contains(p1).doesNotContain(p2);
		if (expectedCoded.patients.size() < 5) {
			// filtered by Conditions: cells of fewer than 5 patients show no counts (issue 10, finding 15)
			assertThat(part(coded, "suppressed")).isNotEmpty();
			assertThat(part(coded, "patients")).isEmpty();
			return;
		}
		assertThat(intPart(coded, "patients")).isEqualTo(expectedCoded.patients.size());
		ParametersParameterComponent codedTug = measure(coded, "http://loinc.org|89423-8");
		if (part(codedTug, "suppressed").isEmpty()) {
			assertThat(intPart(codedTug, "observations")).isEqualTo(
					expectedCoded.observations.get("http://loinc.org|89423-8").values().stream().mapToInt(List::size).sum());
		}
	}

	@Test
	void rehabOutcomesIsForAuditorsOnly() {
		assertThatThrownBy(() -> physio().operation().onServer().named("$rehab-outcomes")
				.withNoParameters(Parameters.class).useHttpGet().execute()).isInstanceOf(ForbiddenOperationException.class);
	}

	// ------------------------------------------------------------------------------------------- expected values

	record Expected(Set<String> patients, int plans, Map<String, Map<String, List<Observation>>> observations) {}

	/** From the stored data (read as the auditor and the EHR), the way the report is defined. */
	private Expected expected(Set<String> onlyPatients) {
		Set<String> patients = new HashSet<>();
		Map<String, String> planPatient = new HashMap<>();
		for (IBaseResource r : all(auditor(), CarePlan.class)) {
			CarePlan plan = (CarePlan) r;
			boolean knee = plan.getInstantiatesCanonical().stream().anyMatch(c -> c.getValue().split("\\|")[0].equals(KNEE_OA_PLAN));
			if (!knee || !Set.of("active", "completed").contains(plan.getStatus().toCode())) {
				continue;
			}
			String patient = plan.getSubject().getReference();
			if (onlyPatients != null && !onlyPatients.contains(patient)) {
				continue;
			}
			patients.add(patient);
			planPatient.put("CarePlan/" + plan.getIdElement().getIdPart(), patient);
		}
		Map<String, Map<String, List<Observation>>> observations = new HashMap<>();
		for (IBaseResource r : all(auditor(), Observation.class)) {
			Observation o = (Observation) r;
			if (!Set.of("final", "amended", "corrected").contains(o.getStatus().toCode()) || !(o.getValue() instanceof Quantity)) {
				continue;
			}
			String patient = o.getBasedOn().stream().map(b -> planPatient.get(b.getReference())).filter(p -> p != null)
					.findFirst().orElse(null);
			if (patient == null) {
				continue;
			}
			Coding code = o.getCode().getCodingFirstRep();
			observations.computeIfAbsent(code.getSystem() + "|" + code.getCode(), k -> new HashMap<>())
					.computeIfAbsent(patient, k -> new ArrayList<>()).add(o);
		}
		return new Expected(patients, planPatient.size(), observations);
	}

	private static BigDecimal meanChange(Map<String, List<Observation>> perPatient) {
		BigDecimal sum = BigDecimal.ZERO;
		int n = 0;
		for (List<Observation> list : perPatient.values()) {
			if (list.size() < 2) {
				continue;
			}
			List<Observation> sorted = list.stream().sorted(Comparator.comparing(Observation::getEffectiveDateTimeType,
					Comparator.comparing(DateTimeType::getValue))).toList();
			sum = sum.add(((Quantity) sorted.get(sorted.size() - 1).getValue()).getValue()
					.subtract(((Quantity) sorted.get(0).getValue()).getValue()));
			n++;
		}
		return n == 0 ? null : sum.divide(BigDecimal.valueOf(n), 3, RoundingMode.HALF_UP);
	}

	private Set<String> patientsWithKneeOa() {
		Set<String> patients = new HashSet<>();
		Bundle bundle = ehr().search().forResource(Condition.class)
				.where(Condition.CODE.exactly().systemAndCode(SNOMED, "239873007")).count(200).returnBundle(Bundle.class).execute();
		while (true) {
			bundle.getEntry().forEach(e -> patients.add(((Condition) e.getResource()).getSubject().getReference()));
			if (bundle.getLink(Bundle.LINK_NEXT) == null) {
				return patients;
			}
			bundle = ehr().loadPage().next(bundle).execute();
		}
	}

	private static List<IBaseResource> all(IGenericClient client, Class<? extends IBaseResource> type) {
		List<IBaseResource> out = new ArrayList<>();
		Bundle bundle = client.search().forResource(type).count(200).returnBundle(Bundle.class).execute();
		while (true) {
			bundle.getEntry().forEach(e -> out.add(e.getResource()));
			if (bundle.getLink(Bundle.LINK_NEXT) == null) {
				return out;
			}
			bundle = client.loadPage().next(bundle).execute();
		}
	}

	// ------------------------------------------------------------------------------------------------- helpers

	private Parameters outcomes(String condition) {
		return auditor().operation().onServer().named("$rehab-outcomes")
				.withParameter(Parameters.class, "condition", new StringType(condition)).useHttpGet().execute();
	}

	private String newPatient() {
		return ehr().create().resource(patient(uniqueMrn())).execute().getId().toUnqualifiedVersionless().getValue();
	}

	private static String plan(IGenericClient client, String patient, String canonical) {
		return plan(client, patient, canonical, CarePlan.CarePlanStatus.ACTIVE);
	}

	private static String plan(IGenericClient client, String patient, String canonical, CarePlan.CarePlanStatus status) {
		CarePlan plan = carePlan(patient, status);
		plan.addInstantiatesCanonical(canonical);
		if (status == CarePlan.CarePlanStatus.ACTIVE) {
			// these patients have no screen on record: an active catalogue plan carries the clinician's override
			org.rehabfhir.protocols.apply.PlanApplier.setOverrideReason(plan, "screened on paper; outcomes tested here");
		}
		return client.create().resource(plan).execute().getId().toUnqualifiedVersionless().getValue();
	}

	private static void observe(IGenericClient client, Observation observation) {
		client.create().resource(observation).execute();
	}

	private static Observation based(Observation observation, String plan) {
		observation.addBasedOn(new Reference(plan));
		return observation;
	}

	private static Observation tug(String patient, String plan, double seconds, String when) {
		return based(timedUpAndGo(patient, seconds, when), plan);
	}

	private static Observation tenMetreWalk(String patient, String plan, double speed, String when) {
		Observation o = new Observation();
		o.setStatus(Observation.ObservationStatus.FINAL);
		o.addCategory(new CodeableConcept(new Coding("http://terminology.hl7.org/CodeSystem/observation-category", "exam", "Exam")));
		o.setCode(new CodeableConcept(new Coding(OUTCOME_CS, "gait-speed-10mwt", "10-metre walk test gait speed")));
		o.setSubject(new Reference(patient));
		o.setEffective(new DateTimeType(when));
		o.setValue(new Quantity().setValue(speed).setUnit("m/s").setSystem(UCUM).setCode("m/s"));
		return based(o, plan);
	}

	private static ParametersParameterComponent regimen(Parameters parameters, String canonical) {
		return parameters.getParameter().stream()
				.filter(p -> p.getName().equals("regimen"))
				.filter(p -> part(p, "canonical").get(0).getValue().primitiveValue().equals(canonical))
				.findFirst().orElseThrow();
	}

	private static ParametersParameterComponent measure(ParametersParameterComponent regimen, String systemAndCode) {
		return part(regimen, "measure").stream().filter(m -> {
			Coding c = (Coding) part(m, "code").get(0).getValue();
			return (c.getSystem() + "|" + c.getCode()).equals(systemAndCode);
		}).findFirst().orElseThrow();
	}

	private static List<ParametersParameterComponent> part(ParametersParameterComponent parent, String name) {
		return parent.getPart().stream().filter(p -> p.getName().equals(name)).toList();
	}

	private static int intPart(ParametersParameterComponent parent, String name) {
		return Integer.parseInt(part(parent, name).get(0).getValue().primitiveValue());
	}
}
