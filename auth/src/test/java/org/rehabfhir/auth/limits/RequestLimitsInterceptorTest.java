package org.rehabfhir.auth.limits;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.PayloadTooLargeException;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.HashMap;
import java.util.Map;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.Observation;
import org.junit.jupiter.api.Test;
import org.rehabfhir.auth.config.RehabSecurityProperties;
import org.rehabfhir.auth.config.RehabSecurityProperties.Limits.CountPolicy;

class RequestLimitsInterceptorTest {

	static final RestfulServer SERVER = new RestfulServer(FhirContext.forR4Cached());

	final RehabSecurityProperties.Limits limits = new RehabSecurityProperties().getLimits();
	final RequestLimitsInterceptor interceptor = new RequestLimitsInterceptor(limits);

	static ServletRequestDetails search(Map<String, String[]> params) {
		ServletRequestDetails request = new ServletRequestDetails();
		request.setServer(SERVER);
		request.setRestOperationType(RestOperationTypeEnum.SEARCH_TYPE);
		request.setResourceName("Observation");
		request.setParameters(new HashMap<>(params));
		return request;
	}

	@Test
	void hugeCountIsRejected() {
		assertThat(interceptor.checkParameters(search(Map.of("_count", new String[] {"200"})))).isTrue();
		assertThatThrownBy(() -> interceptor.checkParameters(search(Map.of("_count", new String[] {"100000"}))))
				.isInstanceOf(InvalidRequestException.class)
				.hasMessageContaining("maximum");
		assertThatThrownBy(() -> interceptor.checkParameters(search(Map.of("_count", new String[] {"x"}))))
				.isInstanceOf(InvalidRequestException.class);
	}

	@Test
	void hugeCountIsCappedWhenConfigured() {
		limits.setCountPolicy(CountPolicy.CAP);
		ServletRequestDetails request = search(Map.of("_count", new String[] {"100000"}));
		interceptor.checkParameters(request);
		assertThat(request.getParameters().get("_count")).containsExactly("200");
	}

	@Test
	void includeFanOutIsLimited() {
		Map<String, String[]> five = Map.of(
				"_include", new String[] {"Observation:subject", "Observation:performer", "Observation:encounter"},
				"_revinclude", new String[] {"Provenance:target", "AuditEvent:entity"});
		interceptor.checkParameters(search(five));
		Map<String, String[]> six = new HashMap<>(five);
		six.put("_include:iterate", new String[] {"Patient:general-practitioner"});
		assertThatThrownBy(() -> interceptor.checkParameters(search(six))).isInstanceOf(InvalidRequestException.class);
		assertThatThrownBy(() -> interceptor.checkParameters(search(Map.of("_revinclude", new String[] {"*"}))))
				.isInstanceOf(InvalidRequestException.class);
	}

	@Test
	void oversizeBundlesAre413() {
		Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
		for (int i = 0; i < 201; i++) {
			bundle.addEntry().setResource(new Observation()).getRequest().setMethod(Bundle.HTTPVerb.POST).setUrl("Observation");
		}
		ServletRequestDetails request = new ServletRequestDetails();
		request.setServer(SERVER);
		request.setResource(bundle);
		assertThatThrownBy(() -> interceptor.checkBundleSize(request, RestOperationTypeEnum.TRANSACTION))
				.isInstanceOf(PayloadTooLargeException.class);
		bundle.getEntry().remove(0);
		interceptor.checkBundleSize(request, RestOperationTypeEnum.TRANSACTION);
	}
}
