package org.rehabfhir.app.caseload;

import static org.assertj.core.api.Assertions.assertThat;

import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.junit.jupiter.api.Test;

class CaseloadServiceTest {

	static CarePlan plan(String id, CarePlan.CarePlanStatus status) {
		CarePlan p = new CarePlan();
		p.setId(id);
		p.setStatus(status);
		return p;
	}

	@Test
	void thePlanThatMattersIsActiveOrOnHoldBeforeANewerDraft() {
		assertThat(CaseloadService.newestRelevantId(List.of(plan("9", CarePlan.CarePlanStatus.DRAFT),
				plan("5", CarePlan.CarePlanStatus.ONHOLD)))).isEqualTo("5");
		assertThat(CaseloadService.newestRelevantId(List.of(plan("9", CarePlan.CarePlanStatus.ENTEREDINERROR),
				plan("4", CarePlan.CarePlanStatus.COMPLETED)))).isEqualTo("4");
		assertThat(CaseloadService.newestRelevantId(List.of())).isNull();
	}
}
