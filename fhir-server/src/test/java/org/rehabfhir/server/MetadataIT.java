package org.rehabfhir.server;

import static org.assertj.core.api.Assertions.assertThat;

import org.hl7.fhir.r4.model.CapabilityStatement;
import org.junit.jupiter.api.Test;
import org.rehabfhir.server.support.AbstractFhirServerIT;

class MetadataIT extends AbstractFhirServerIT {

	@Test
	void capabilityStatementIsPublicAndDescribesAnR4ServerWithTheClinicalResources() {
		CapabilityStatement cs = anonymous().capabilities().ofType(CapabilityStatement.class).execute();

		assertThat(cs.getFhirVersion().toCode()).isEqualTo("4.0.1");
		assertThat(cs.getRestFirstRep().getResource())
				.extracting(r -> r.getType())
				.contains("Patient", "Condition", "CarePlan", "Goal", "Observation", "PlanDefinition",
						"ActivityDefinition", "Practitioner", "CareTeam", "AuditEvent", "Provenance");
	}
}
