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
        assertThat(interceptor.checkParameters(search(Map.of("_count", new String[] {"200"}))))
                .isTrue();
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
            bundle.addEntry()
                    .setResource(new Observation())
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServer(SERVER);
        request.setResource(bundle);
        assertThatThrownBy(() -> interceptor.checkBundleSize(request, RestOperationTypeEnum.TRANSACTION))
                .isInstanceOf(PayloadTooLargeException.class);
        bundle.getEntry().remove(0);
        interceptor.checkBundleSize(request, RestOperationTypeEnum.TRANSACTION);
    }

    /** A transaction of {@code entries} entries as HAPI hands it to the interceptor (body loaded, JSON). */
    static ServletRequestDetails transaction(int entries) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (int i = 0; i < entries; i++) {
            bundle.addEntry()
                    .setResource(new Observation())
                    .getRequest()
                    .setMethod(Bundle.HTTPVerb.POST)
                    .setUrl("Observation");
        }
        byte[] body = FhirContext.forR4Cached()
                .newJsonParser()
                .encodeResourceToString(bundle)
                .getBytes(java.nio.charset.StandardCharsets.UTF_8);
        org.springframework.mock.web.MockHttpServletRequest servlet =
                new org.springframework.mock.web.MockHttpServletRequest("POST", "/fhir");
        servlet.setContentType("application/fhir+json");
        servlet.setContent(body);
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServer(SERVER);
        request.setServletRequest(servlet);
        request.setRequestType(ca.uhn.fhir.rest.api.RequestTypeEnum.POST);
        request.setRestOperationType(RestOperationTypeEnum.TRANSACTION);
        request.setRequestContents(body);
        return request;
    }

    @Test
    void aLargeRequestBeyondTheConcurrentMaximumIs503WithRetryAfterAndThePermitComesBack() {
        limits.getLargeRequests().setMaxConcurrent(2);
        limits.getLargeRequests().setMinEntries(50);
        RequestLimitsInterceptor gated = new RequestLimitsInterceptor(limits);
        ServletRequestDetails first = transaction(51);
        ServletRequestDetails second = transaction(51);
        gated.checkBundleSizeEarly(first);
        gated.checkBundleSizeEarly(second);

        assertThatThrownBy(() -> gated.checkBundleSizeEarly(transaction(51)))
                .isInstanceOfSatisfying(ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException.class, e -> {
                    assertThat(e.getStatusCode()).isEqualTo(503);
                    assertThat(e.getResponseHeaders()).containsEntry("Retry-After", java.util.List.of("10"));
                    assertThat(((org.hl7.fhir.r4.model.OperationOutcome) e.getOperationOutcome())
                                    .getIssueFirstRep()
                                    .getCode())
                            .isEqualTo(org.hl7.fhir.r4.model.OperationOutcome.IssueType.THROTTLED);
                    assertThat(e.getMessage())
                            .contains("large-requests.max-concurrent")
                            .contains("51 entries");
                });
        // a small record is never held back
        gated.checkBundleSizeEarly(transaction(50));

        gated.releaseLargeRequestPermit(first);
        gated.releaseLargeRequestPermit(first); // once only
        assertThat(gated.freeLargeRequestPermits()).isEqualTo(1);
        gated.checkBundleSizeEarly(transaction(51));
        assertThat(gated.freeLargeRequestPermits()).isZero();
    }

    @Test
    void aLargeBodyIsALargeRequestToo() {
        limits.getLargeRequests().setMaxConcurrent(1);
        limits.getLargeRequests().setMinBody(org.springframework.util.unit.DataSize.ofKilobytes(1));
        RequestLimitsInterceptor gated = new RequestLimitsInterceptor(limits);
        gated.checkBundleSizeEarly(transaction(20)); // more than 1 KB of JSON

        assertThatThrownBy(() -> gated.checkBundleSizeEarly(transaction(20)))
                .isInstanceOfSatisfying(
                        ca.uhn.fhir.rest.server.exceptions.BaseServerResponseException.class,
                        e -> assertThat(e.getStatusCode()).isEqualTo(503));
    }
}
