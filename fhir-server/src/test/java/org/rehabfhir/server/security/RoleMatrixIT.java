package org.rehabfhir.server.security;

import static org.assertj.core.api.Assertions.assertThat;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import java.util.ArrayList;
import java.util.EnumMap;
import java.util.List;
import java.util.Map;
import java.util.UUID;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Annotation;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Resource;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.server.support.AbstractFhirServerIT;
import org.rehabfhir.server.support.TestData;
import org.springframework.beans.factory.annotation.Autowired;

/**
 * Layer 2 over HTTP: role x resource x interaction with real Keycloak tokens. Every cell is run; a granted cell
 * must succeed, a refused one must be 403 with an OperationOutcome and leave the store as it was (nothing created,
 * no new version, nothing deleted, no search result returned).
 */
class RoleMatrixIT extends AbstractFhirServerIT {

	enum Interaction { CREATE, READ, UPDATE, DELETE, SEARCH }

	/** What each caller may do per type: the letters c r u d s (SMART scopes intersected with the realm role). */
	static final Map<Caller, Map<String, String>> GRANTED = new EnumMap<>(Map.of(
			Caller.PHYSIO, Map.of("Patient", "rs", "Condition", "rs", "Observation", "crus", "CarePlan", "cru", "Goal", "cru"),
			Caller.AUDITOR, Map.of("Observation", "rs", "CarePlan", "rs"),
			Caller.EHR, Map.of("Patient", "crus", "Condition", "crus", "Observation", "crs", "CarePlan", "rs"),
			Caller.EHR_JWT, Map.of("Patient", "crus", "Observation", "crs")));

	static final List<String> CLINICAL_TYPES = List.of("Patient", "Condition", "Observation", "CarePlan", "Goal");

	/** One stored resource of each clinical type (about one patient), seeded as the server. */
	private static Map<String, IIdType> fixtures;

	@Autowired
	private DaoRegistry daoRegistry;

	private StorageProbe store;

	@BeforeEach
	void seed() {
		store = new StorageProbe(daoRegistry);
		synchronized (RoleMatrixIT.class) {
			if (fixtures == null) {
				IIdType patient = store.store(TestData.patient(TestData.uniqueMrn()));
				String ref = patient.getValue();
				fixtures = Map.of(
						"Patient", patient,
						"Condition", store.store(TestData.kneeOsteoarthritis(ref)),
						"Observation", store.store(TestData.timedUpAndGo(ref, 14.2, "2025-03-01")),
						"CarePlan", store.store(TestData.carePlan(ref, CarePlan.CarePlanStatus.ACTIVE)),
						"Goal", store.store(TestData.tugGoal(ref)));
			}
		}
	}

	static Stream<Arguments> cells() {
		List<Arguments> cells = new ArrayList<>();
		for (Caller caller : Caller.values()) {
			for (String type : CLINICAL_TYPES) {
				for (Interaction interaction : Interaction.values()) {
					cells.add(Arguments.of(caller, type, interaction, granted(caller, type, interaction)));
				}
			}
		}
		return cells.stream();
	}

	@ParameterizedTest(name = "{0} {2} {1}: {3}")
	@MethodSource("cells")
	void roleMatrix(Caller caller, String type, Interaction interaction, boolean granted) {
		IGenericClient client = clientWithToken(caller.token());
		switch (interaction) {
			case CREATE -> checkCreate(client, type, granted);
			case READ -> checkRead(client, type, granted);
			case UPDATE -> checkUpdate(client, type, granted);
			case DELETE -> checkDelete(client, type, granted);
			case SEARCH -> checkSearch(client, type, granted);
		}
	}

	static Stream<Arguments> auditTrailSearch() {
		return Stream.of(
				Arguments.of(Caller.AUDITOR, "AuditEvent", true),
				Arguments.of(Caller.AUDITOR, "Provenance", true),
				Arguments.of(Caller.PHYSIO, "AuditEvent", false),
				Arguments.of(Caller.PHYSIO, "Provenance", false),
				Arguments.of(Caller.EHR, "AuditEvent", false),
				Arguments.of(Caller.EHR, "Provenance", false),
				Arguments.of(Caller.EHR_JWT, "AuditEvent", false),
				Arguments.of(Caller.PHYSIO, "Practitioner", false),
				Arguments.of(Caller.EHR, "CareTeam", false),
				Arguments.of(Caller.PHYSIO, "PlanDefinition", true),
				Arguments.of(Caller.PHYSIO, "ActivityDefinition", true),
				Arguments.of(Caller.EHR, "PlanDefinition", false),
				Arguments.of(Caller.AUDITOR, "PlanDefinition", false));
	}

	@ParameterizedTest(name = "{0} SEARCH {1}: {2}")
	@MethodSource("auditTrailSearch")
	void searchOfTheOtherTypes(Caller caller, String type, boolean granted) {
		checkSearch(clientWithToken(caller.token()), type, granted);
	}

	@ParameterizedTest(name = "{0} READ AuditEvent/<any id>: refused before any lookup")
	@MethodSource("nonAuditors")
	void onlyAuditorsReadAuditEvents(Caller caller) {
		int status = RawHttp.status(() -> clientWithToken(caller.token()).read().resource("AuditEvent").withId("any-id")
				.execute());
		assertThat(status).isEqualTo(403);
	}

	static Stream<Caller> nonAuditors() {
		return Stream.of(Caller.PHYSIO, Caller.EHR, Caller.EHR_JWT);
	}

	@Test
	void readWithoutSearchCannotFindByWayOfHas() {
		// alice may search Patient but has no 's' on CarePlan: _has:CarePlan would reveal which patients have plans
		int status = RawHttp.status(() -> clientWithToken(Caller.PHYSIO.token()).search()
				.byUrl("Patient?_has:CarePlan:subject:status=active").returnBundle(Bundle.class).execute());
		assertThat(status).isEqualTo(403);
	}

	@Test
	void readWithoutSearchCannotFindByWayOfAChain() {
		// the EHR may search Observation but has no 's' on Goal
		int status = RawHttp.status(() -> clientWithToken(Caller.EHR.token()).search()
				.byUrl("Observation?focus:Goal.lifecycle-status=proposed").returnBundle(Bundle.class).execute());
		assertThat(status).isEqualTo(403);
	}

	@Test
	void readWithoutSearchCannotConditionallyCreate() {
		// alice may create Goals but not search them: If-None-Exist would tell her whether a matching Goal exists
		String marker = UUID.randomUUID().toString();
		int status = RawHttp.status(() -> clientWithToken(Caller.PHYSIO.token()).create()
				.resource(marked(newResource("Goal"), marker))
				.conditionalByUrl("Goal?identifier=" + StorageProbe.MARKER_SYSTEM + "|" + marker).execute());
		assertThat(status).isEqualTo(403);
		assertThat(store.countMarked("Goal", marker)).isZero();
	}

	@Test
	void aTokenWithFewerScopesGetsFewerRights() {
		// alice's role allows Observation crus; a token she asked for with only user/Patient.rs does not.
		String narrow = keycloak().tokens()
				.password("alice", "alice-DEV-ONLY-password", "openid user/Patient.rs")
				.accessToken();
		IGenericClient client = clientWithToken(narrow);
		checkSearch(client, "Patient", true);
		checkSearch(client, "Observation", false);
		checkCreate(client, "Observation", false);
		checkRead(client, "CarePlan", false);
	}

	@Test
	void aScopeBeyondTheRoleGrantsNothing() {
		// alice's role has no Patient create; asking for user/Patient.cruds does not give it to her.
		var response = keycloak().tokens()
				.password("alice", "alice-DEV-ONLY-password", "openid user/Patient.cruds user/Observation.crus");
		if (!response.ok()) {
			// Keycloak refused to issue the scope at all: that is an even stronger no.
			assertThat(response.status()).isBetween(400, 403);
			return;
		}
		IGenericClient client = clientWithToken(response.accessToken());
		checkCreate(client, "Patient", false);
		checkDelete(client, "Patient", false);
		checkSearch(client, "Observation", true);
	}

	// ------------------------------------------------------------------------------------------------ the cells

	private void checkCreate(IGenericClient client, String type, boolean granted) {
		String marker = UUID.randomUUID().toString();
		Resource resource = marked(newResource(type), marker);
		int status = RawHttp.status(() -> client.create().resource(resource).execute());
		if (granted) {
			assertThat(status).isEqualTo(201);
			assertThat(store.countMarked(type, marker)).isEqualTo(1);
		} else {
			assertThat(status).isEqualTo(403);
			assertThat(store.countMarked(type, marker)).as("stored although refused").isZero();
		}
	}

	private void checkRead(IGenericClient client, String type, boolean granted) {
		IIdType id = fixtures.get(type);
		Resource[] read = new Resource[1];
		int status = RawHttp.status(() -> read[0] = (Resource) client.read().resource(type).withId(id.getIdPart()).execute());
		if (granted) {
			assertThat(status).isEqualTo(200);
			assertThat(read[0].getIdElement().getIdPart()).isEqualTo(id.getIdPart());
		} else {
			assertThat(status).isEqualTo(403);
			assertThat(read[0]).isNull();
		}
	}

	private void checkUpdate(IGenericClient client, String type, boolean granted) {
		IIdType id = fixtures.get(type);
		synchronized (RoleMatrixIT.class) {
			String before = store.version(id);
			Resource changed = changed((Resource) store.read(id));
			int status = RawHttp.status(() -> client.update().resource(changed).execute());
			if (granted) {
				assertThat(status).isEqualTo(200);
				assertThat(store.version(id)).isNotEqualTo(before);
			} else {
				assertThat(status).isEqualTo(403);
				assertThat(store.version(id)).as("changed although refused").isEqualTo(before);
			}
		}
	}

	private void checkDelete(IGenericClient client, String type, boolean granted) {
		assertThat(granted).as("nobody may delete").isFalse();
		IIdType id = fixtures.get(type);
		String before = store.version(id);
		int status = RawHttp.status(() -> client.delete().resourceById(id).execute());
		assertThat(status).isEqualTo(403);
		assertThat(store.exists(id)).as("deleted although refused").isTrue();
		assertThat(store.version(id)).isEqualTo(before);
	}

	private void checkSearch(IGenericClient client, String type, boolean granted) {
		Bundle[] page = new Bundle[1];
		int status = RawHttp.status(() -> page[0] = client.search().forResource(type).count(5).returnBundle(Bundle.class)
				.execute());
		if (granted) {
			assertThat(status).isEqualTo(200);
			assertThat(page[0].getType()).isEqualTo(Bundle.BundleType.SEARCHSET);
		} else {
			assertThat(status).isEqualTo(403);
			assertThat(page[0]).isNull();
		}
	}

	// ------------------------------------------------------------------------------------------------ helpers

	private static boolean granted(Caller caller, String type, Interaction interaction) {
		String letters = GRANTED.get(caller).getOrDefault(type, "");
		return letters.indexOf(Character.toLowerCase(interaction.name().charAt(0))) >= 0;
	}

	private Resource newResource(String type) {
		String patient = fixtures.get("Patient").getValue();
		return switch (type) {
			case "Patient" -> TestData.patient(TestData.uniqueMrn());
			case "Condition" -> TestData.kneeOsteoarthritis(patient);
			case "Observation" -> TestData.painScore(patient, 3, "2025-03-02");
			case "CarePlan" -> TestData.carePlan(patient, CarePlan.CarePlanStatus.DRAFT);
			case "Goal" -> TestData.tugGoal(patient);
			default -> throw new IllegalArgumentException(type);
		};
	}

	private static Resource marked(Resource resource, String marker) {
		Identifier id = new Identifier().setSystem(StorageProbe.MARKER_SYSTEM).setValue(marker);
		if (resource instanceof Patient p) {
			p.addIdentifier(id);
		} else if (resource instanceof Condition c) {
			c.addIdentifier(id);
		} else if (resource instanceof Observation o) {
			o.addIdentifier(id);
		} else if (resource instanceof CarePlan c) {
			c.addIdentifier(id);
		} else if (resource instanceof Goal g) {
			g.addIdentifier(id);
		} else {
			throw new IllegalArgumentException(resource.fhirType());
		}
		return resource;
	}

	private static Resource changed(Resource resource) {
		Annotation note = new Annotation().setText("checked " + UUID.randomUUID());
		if (resource instanceof Patient p) {
			p.getNameFirstRep().setFamily("Test" + UUID.randomUUID().toString().substring(0, 6));
		} else if (resource instanceof Condition c) {
			c.addNote(note);
		} else if (resource instanceof Observation o) {
			o.addNote(note);
		} else if (resource instanceof CarePlan c) {
			c.addNote(note);
		} else if (resource instanceof Goal g) {
			g.addNote(note);
		} else {
			throw new IllegalArgumentException(resource.fhirType());
		}
		return resource;
	}
}
