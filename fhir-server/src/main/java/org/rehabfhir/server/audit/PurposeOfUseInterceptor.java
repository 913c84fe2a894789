package org.rehabfhir.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.DefaultProfileValidationSupport;
import ca.uhn.fhir.context.support.IValidationSupport;
import ca.uhn.fhir.context.support.ValidationSupportContext;
import ca.uhn.fhir.context.support.ValueSetExpansionOptions;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.common.hapi.validation.support.InMemoryTerminologyServerValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.ValidationSupportChain;
import org.hl7.fhir.r4.model.ValueSet;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * The purpose-of-use header ({@code rehab.audit.purpose-of-use-header}, {@code X-Purpose-Of-Use}) is stored in the
 * AuditEvent, so only codes of the HL7 PurposeOfUse value set
 * ({@code http://terminology.hl7.org/ValueSet/v3-PurposeOfUse}, codes of {@code v3-ActReason}) are accepted, as
 * {@code CODE} or {@code http://terminology.hl7.org/CodeSystem/v3-ActReason|CODE}, comma separated. Anything else:
 * 400 before any work. The value set is expanded once from HAPI's bundled HL7 terminology.
 */
@Component
@Interceptor
public class PurposeOfUseInterceptor {

    private static final Logger log = LoggerFactory.getLogger(PurposeOfUseInterceptor.class);
    static final String VALUE_SET = "http://terminology.hl7.org/ValueSet/v3-PurposeOfUse";
    /** Before the other interceptors of the phase (request limits run at -1000). */
    static final int EARLY = -900;

    private final FhirContext fhirContext;
    private final AuditProperties properties;
    private volatile Set<String> codes;

    public PurposeOfUseInterceptor(FhirContext fhirContext, AuditProperties properties) {
        this.fhirContext = fhirContext;
        this.properties = properties;
    }

    @Hook(value = Pointcut.SERVER_INCOMING_REQUEST_POST_PROCESSED, order = EARLY)
    public boolean check(RequestDetails request) {
        List<String> headers = request.getHeaders(properties.getPurposeOfUseHeader());
        if (headers == null || headers.isEmpty()) {
            return true;
        }
        for (String header : headers) {
            for (String raw : header == null ? new String[0] : header.split(",")) {
                String value = raw.trim();
                if (value.isEmpty()) {
                    continue;
                }
                int bar = value.lastIndexOf('|');
                String system = bar >= 0 ? value.substring(0, bar) : BalpAuditEventBuilder.CS_ACT_REASON;
                String code = bar >= 0 ? value.substring(bar + 1) : value;
                if (!BalpAuditEventBuilder.CS_ACT_REASON.equals(system)
                        || !purposeCodes().contains(code)) {
                    throw new InvalidRequestException(properties.getPurposeOfUseHeader() + ": '" + printable(value)
                            + "' is not a code of the HL7 PurposeOfUse value set (" + VALUE_SET
                            + "), e.g. TREAT, ETREAT, HOPERAT, PATRQT");
                }
            }
        }
        return true;
    }

    /** Whether {@code systemAndCode} ({@code system|code}) is a code of the PurposeOfUse value set. */
    public boolean accepts(String systemAndCode) {
        int bar = systemAndCode == null ? -1 : systemAndCode.lastIndexOf('|');
        return bar > 0
                && BalpAuditEventBuilder.CS_ACT_REASON.equals(systemAndCode.substring(0, bar))
                && purposeCodes().contains(systemAndCode.substring(bar + 1));
    }

    Set<String> purposeCodes() {
        Set<String> known = codes;
        if (known == null) {
            synchronized (this) {
                if (codes == null) {
                    codes = expand();
                }
                known = codes;
            }
        }
        return known;
    }

    private Set<String> expand() {
        IValidationSupport chain = new ValidationSupportChain(
                new DefaultProfileValidationSupport(fhirContext),
                new InMemoryTerminologyServerValidationSupport(fhirContext));
        IValidationSupport.ValueSetExpansionOutcome outcome = chain.expandValueSet(
                new ValidationSupportContext(chain), new ValueSetExpansionOptions().setCount(10_000), VALUE_SET);
        Set<String> out = new LinkedHashSet<>();
        if (outcome != null && outcome.getValueSet() instanceof ValueSet expanded) {
            expanded.getExpansion().getContains().forEach(c -> collect(c, out));
        }
        if (out.isEmpty()) {
            log.error(
                    "The HL7 PurposeOfUse value set could not be expanded ({}): every purpose of use is refused",
                    outcome == null ? "no outcome" : outcome.getError());
        } else {
            log.info("Purpose of use: {} codes of {}", out.size(), VALUE_SET);
        }
        return Set.copyOf(out);
    }

    private static void collect(ValueSet.ValueSetExpansionContainsComponent c, Set<String> out) {
        if (c.hasCode() && BalpAuditEventBuilder.CS_ACT_REASON.equals(c.getSystem())) {
            out.add(c.getCode());
        }
        c.getContains().forEach(child -> collect(child, out));
    }

    private static String printable(String value) {
        String clean = value.replaceAll("[^A-Za-z0-9:/.|_\\-]", "?");
        return clean.length() > 60 ? clean.substring(0, 60) + "..." : clean;
    }
}
