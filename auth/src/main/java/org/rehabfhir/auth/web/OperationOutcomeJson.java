package org.rehabfhir.auth.web;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.util.OperationOutcomeUtil;
import jakarta.servlet.http.HttpServletResponse;
import java.io.IOException;
import java.nio.charset.StandardCharsets;
import org.hl7.fhir.instance.model.api.IBaseOperationOutcome;

/**
 * Writes a FHIR OperationOutcome (JSON) for errors raised outside HAPI's server (401, 403, 413 at the filter level),
 * built and encoded by HAPI ({@link OperationOutcomeUtil}, the R4 JSON parser).
 */
public final class OperationOutcomeJson {

    public static final String FHIR_JSON = "application/fhir+json;charset=UTF-8";

    private static final FhirContext FHIR = FhirContext.forR4Cached();

    private OperationOutcomeJson() {}

    /** @param code a FHIR issue-type code, e.g. {@code login}, {@code forbidden}, {@code too-costly} */
    public static String of(String code, String diagnostics) {
        IBaseOperationOutcome outcome = OperationOutcomeUtil.newInstance(FHIR);
        OperationOutcomeUtil.addIssue(FHIR, outcome, "error", diagnostics, null, code);
        return FHIR.newJsonParser().encodeResourceToString(outcome);
    }

    public static void write(HttpServletResponse response, int status, String code, String diagnostics)
            throws IOException {
        if (response.isCommitted()) {
            return;
        }
        response.setStatus(status);
        response.setContentType(FHIR_JSON);
        byte[] body = of(code, diagnostics).getBytes(StandardCharsets.UTF_8);
        response.setContentLength(body.length);
        response.getOutputStream().write(body);
        response.flushBuffer();
    }
}
