package org.rehabfhir.server.engine;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.rest.client.api.IGenericClient;
import ca.uhn.fhir.rest.client.api.ServerValidationModeEnum;
import com.github.benmanes.caffeine.cache.Cache;
import com.github.benmanes.caffeine.cache.Caffeine;
import java.time.Duration;
import java.util.Optional;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.UriType;
import org.rehabfhir.protocols.matching.SnomedSubsumption;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * SNOMED CT subsumption answered by a FHIR terminology server ({@code CodeSystem/$subsumes}). Definitive answers
 * (subsumes / equivalent / subsumed-by / not-subsumed) are cached for 12 hours; a failure or an answer without an
 * outcome is "unknown" for this question only (the engine falls back to its curated table) and is asked again next
 * time, so a terminology-server outage does not outlive its recovery.
 */
class TerminologyServerSubsumption implements SnomedSubsumption {

    private static final Logger log = LoggerFactory.getLogger(TerminologyServerSubsumption.class);
    private static final String SNOMED = "http://snomed.info/sct";

    private final IGenericClient client;
    private final Cache<String, Boolean> cache = Caffeine.newBuilder()
            .maximumSize(50_000)
            .expireAfterWrite(Duration.ofHours(12))
            .build();

    TerminologyServerSubsumption(String baseUrl) {
        // A client of its own settings: no CapabilityStatement round trip before the first question.
        FhirContext clientContext = FhirContext.forR4();
        clientContext.getRestfulClientFactory().setServerValidationMode(ServerValidationModeEnum.NEVER);
        clientContext.getRestfulClientFactory().setConnectTimeout(5_000);
        clientContext.getRestfulClientFactory().setSocketTimeout(10_000);
        this.client = clientContext.newRestfulGenericClient(baseUrl);
        log.info("SNOMED CT subsumption from terminology server {}", baseUrl);
    }

    @Override
    public Optional<Boolean> subsumes(String ancestorCode, String descendantCode) {
        String key = ancestorCode + ">" + descendantCode;
        Boolean known = cache.getIfPresent(key);
        if (known != null) {
            return Optional.of(known);
        }
        Optional<Boolean> answer = ask(ancestorCode, descendantCode);
        answer.ifPresent(definitive -> cache.put(key, definitive));
        return answer;
    }

    private Optional<Boolean> ask(String ancestorCode, String descendantCode) {
        try {
            Parameters in = new Parameters();
            in.addParameter().setName("system").setValue(new UriType(SNOMED));
            in.addParameter().setName("codeA").setValue(new CodeType(ancestorCode));
            in.addParameter().setName("codeB").setValue(new CodeType(descendantCode));
            Parameters out = client.operation()
                    .onType("CodeSystem")
                    .named("$subsumes")
                    .withParameters(in)
                    .useHttpGet()
                    .execute();
            String outcome = out.getParameter().stream()
                    .filter(p -> p.getName().equals("outcome"))
                    .map(p -> p.getValue().primitiveValue())
                    .findFirst()
                    .orElse("");
            return switch (outcome) {
                case "equivalent", "subsumes" -> Optional.of(Boolean.TRUE);
                case "subsumed-by", "not-subsumed" -> Optional.of(Boolean.FALSE);
                default -> Optional.empty();
            };
        } catch (RuntimeException e) {
            log.warn(
                    "Terminology server could not answer {} subsumes {}: {}",
                    ancestorCode,
                    descendantCode,
                    e.getMessage());
            return Optional.empty();
        }
    }
}
