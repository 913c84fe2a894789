package org.rehabfhir.auth.smart;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import java.util.Map;
import java.util.Set;
import org.junit.jupiter.api.Test;

class EffectiveRightsTest {

	static final String PHYSIO_SCOPES = "user/Patient.rs user/Condition.rs user/CarePlan.cru user/Goal.cru "
			+ "user/Observation.crus user/PlanDefinition.rs user/ActivityDefinition.rs";
	static final String AUDITOR_SCOPES = "user/Observation.rs user/CarePlan.rs user/AuditEvent.rs user/Provenance.rs";
	static final String HOSPITAL_SCOPES = "system/Patient.crus system/Condition.crus system/Observation.crs system/CarePlan.rs";

	static EffectiveRights rights(String scopes, String... roles) {
		return EffectiveRights.of(SmartScope.parseAll(scopes), List.of(roles), null);
	}

	static String letters(EffectiveRights rights, String type) {
		return Permission.letters(rights.rights().getOrDefault(type, Set.of()));
	}

	@Test
	void physiotherapistGetsExactlyTheBriefsGrants() {
		EffectiveRights r = rights(PHYSIO_SCOPES, "physiotherapist");
		assertThat(r.rights()).hasSize(7);
		assertThat(letters(r, "Patient")).isEqualTo("rs");
		assertThat(letters(r, "Condition")).isEqualTo("rs");
		assertThat(letters(r, "CarePlan")).isEqualTo("cru");
		assertThat(letters(r, "Goal")).isEqualTo("cru");
		assertThat(letters(r, "Observation")).isEqualTo("crus");
		assertThat(letters(r, "PlanDefinition")).isEqualTo("rs");
		assertThat(letters(r, "ActivityDefinition")).isEqualTo("rs");
		assertThat(r.operations()).containsExactly("$apply", "$recommend-regimens", "$evaluate-progress");
	}

	@Test
	void scopesNeverExceedTheRole() {
		// a physiotherapist asking for everything gets the role's table, without delete
		EffectiveRights r = rights("user/*.cruds user/AuditEvent.rs system/*.cruds", "physiotherapist");
		assertThat(r.rights()).isEqualTo(RoleRights.resources(RehabRole.PHYSIOTHERAPIST));
		assertThat(r.allows("AuditEvent", Permission.READ)).isFalse();
		for (RehabRole role : RehabRole.values()) {
			EffectiveRights all = rights("user/*.* system/*.* user/*.write", role.roleName());
			all.rights().forEach((type, p) -> assertThat(RoleRights.maximum(role, type)).containsAll(p));
		}
	}

	@Test
	void scopesOnlyNarrow() {
		EffectiveRights r = rights("user/Observation.rs", "physiotherapist");
		assertThat(r.rights()).isEqualTo(Map.of("Observation", Set.of(Permission.READ, Permission.SEARCH)));
		assertThat(r.allows("Observation", Permission.CREATE)).isFalse();
		assertThat(r.allows("Patient", Permission.READ)).isFalse();
	}

	@Test
	void auditorNeverWrites() {
		EffectiveRights r = rights(PHYSIO_SCOPES + " " + AUDITOR_SCOPES + " user/*.cruds", "auditor");
		r.rights().forEach((type, p) -> assertThat(p).containsOnly(Permission.READ, Permission.SEARCH));
		assertThat(r.rights().keySet()).containsExactlyInAnyOrder("Observation", "CarePlan", "AuditEvent", "Provenance");
		assertThat(r.operations()).containsExactly("$verify-chain", "$access-log", "$rehab-outcomes");
	}

	@Test
	void nobodyDeletes() {
		for (RehabRole role : RehabRole.values()) {
			EffectiveRights r = rights("user/*.cruds system/*.cruds user/*.write system/*.write", role.roleName());
			r.rights().values().forEach(p -> assertThat(p).doesNotContain(Permission.DELETE));
			RoleRights.resources(role).values().forEach(p -> assertThat(p).doesNotContain(Permission.DELETE));
		}
	}

	@Test
	void ehrSystemGetsOnlyItsContractAndOnlySystemScopes() {
		EffectiveRights r = rights(HOSPITAL_SCOPES, "ehr-system");
		assertThat(letters(r, "Patient")).isEqualTo("crus");
		assertThat(letters(r, "Condition")).isEqualTo("crus");
		assertThat(letters(r, "Observation")).isEqualTo("crs");
		assertThat(letters(r, "CarePlan")).isEqualTo("rs");
		assertThat(r.operations()).isEmpty();

		EffectiveRights jwt = rights("system/Patient.crus system/Observation.crs", "ehr-system");
		assertThat(jwt.rights().keySet()).containsExactlyInAnyOrder("Patient", "Observation");

		assertThat(rights("user/Patient.rs", "ehr-system").rights()).isEmpty();
		assertThat(rights(HOSPITAL_SCOPES, "physiotherapist").rights()).isEmpty();
		assertThat(rights("system/Observation.cruds", "ehr-system").allows("Observation", Permission.UPDATE))
				.isFalse();
	}

	@Test
	void noKnownRoleMeansNoRights() {
		assertThat(rights(PHYSIO_SCOPES).isEmpty()).isTrue();
		assertThat(rights(PHYSIO_SCOPES, "default-roles-rehab", "offline_access").isEmpty()).isTrue();
	}

	@Test
	void patientScopesNeedALaunchPatient() {
		Set<SmartScope> scopes = SmartScope.parseAll("patient/Observation.rs");
		assertThat(EffectiveRights.of(scopes, List.of("physiotherapist"), null).isEmpty()).isFalse(); // operations
		assertThat(EffectiveRights.of(scopes, List.of("physiotherapist"), null).patientCompartmentRights()).isEmpty();
		EffectiveRights launched = EffectiveRights.of(scopes, List.of("physiotherapist"), "123");
		assertThat(launched.rights()).isEmpty();
		assertThat(launched.patientCompartmentRights()).containsKey("Observation");
		assertThat(launched.launchPatient()).isEqualTo("123");
		assertThat(EffectiveRights.of(scopes, List.of("ehr-system"), "123").patientCompartmentRights()).isEmpty();
	}
}
