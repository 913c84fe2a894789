package org.rehabfhir.server.validation;

import ca.uhn.fhir.validation.IValidatorModule;
import ca.uhn.fhir.validation.ResultSeverityEnum;
import java.util.List;
import org.springframework.boot.autoconfigure.condition.ConditionalOnProperty;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;

/**
 * Validation on write: every create, update and transaction body is validated as FHIR R4 (structure,
 * cardinality, required value set bindings) by HAPI's instance validator before anything is stored. An
 * error-level finding rejects the whole request with an OperationOutcome (422).
 */
@Configuration
public class RequestValidationConfig {

	@Bean
	@ConditionalOnProperty(prefix = "rehab.fhir", name = "validate-requests", havingValue = "true", matchIfMissing = true)
	public RehabRequestValidatingInterceptor requestValidatingInterceptor(IValidatorModule instanceValidator) {
		RehabRequestValidatingInterceptor interceptor = new RehabRequestValidatingInterceptor();
		interceptor.setValidatorModules(List.of(instanceValidator));
		interceptor.setFailOnSeverity(ResultSeverityEnum.ERROR);
		interceptor.setAddResponseHeaderOnSeverity(null);
		interceptor.setAddResponseOutcomeHeaderOnSeverity(null);
		return interceptor;
	}
}
