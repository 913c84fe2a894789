package org.rehabfhir.server.engine;

import ca.uhn.fhir.context.FhirContext;
import java.time.Clock;
import ca.uhn.fhir.context.support.IValidationSupport;
import org.hl7.fhir.common.hapi.validation.support.PrePopulatedValidationSupport;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.matching.ConditionMatcher;
import org.rehabfhir.protocols.matching.SnomedSubsumption;
import org.rehabfhir.protocols.progress.ProgressEvaluator;
import org.rehabfhir.protocols.recommend.RegimenRecommender;
import org.rehabfhir.protocols.screening.SafetyScreener;
import org.rehabfhir.protocols.screening.ScreenResponseExtractor;
import org.rehabfhir.server.validation.ProjectConformanceResources;
import org.springframework.context.annotation.Bean;
import org.springframework.context.annotation.Configuration;
import org.springframework.util.StringUtils;

/** The protocol engine (a plain library) wired as Spring beans. */
@Configuration
public class EngineConfig {

	/** The clinic's clock: "today" of every recency window and schedule. */
	@Bean
	public Clock clock() {
		return Clock.systemDefaultZone();
	}

	@Bean
	public ProtocolCatalogue protocolCatalogue(FhirContext fhirContext) {
		return ProtocolCatalogue.loadDefault(fhirContext);
	}

	@Bean
	public SnomedSubsumption snomedSubsumption(EngineProperties properties) {
		if (!StringUtils.hasText(properties.terminologyUrl())) {
			return SnomedSubsumption.UNKNOWN;
		}
		return new TerminologyServerSubsumption(properties.terminologyUrl());
	}

	@Bean
	public SafetyScreener safetyScreener() {
		return new SafetyScreener();
	}

	@Bean
	public ConditionMatcher conditionMatcher(ProtocolCatalogue catalogue, SnomedSubsumption subsumption) {
		return new ConditionMatcher(catalogue, subsumption);
	}

	@Bean
	public RegimenRecommender regimenRecommender(ProtocolCatalogue catalogue, SnomedSubsumption subsumption) {
		return new RegimenRecommender(catalogue, subsumption);
	}

	@Bean
	public PlanApplier planApplier(ProtocolCatalogue catalogue) {
		return new PlanApplier(catalogue);
	}

	@Bean
	public ScreenResponseExtractor screenResponseExtractor(ProtocolCatalogue catalogue) {
		return new ScreenResponseExtractor(catalogue);
	}

	@Bean
	public ProgressEvaluator progressEvaluator(ProtocolCatalogue catalogue) {
		return new ProgressEvaluator(catalogue);
	}

	/** Writes are validated against the catalogue's own CodeSystems and extension definitions too. */
	@Bean
	public ProjectConformanceResources catalogueConformanceResources(ProtocolCatalogue catalogue) {
		return (FhirContext fhirContext) -> {
			PrePopulatedValidationSupport support = new PrePopulatedValidationSupport(fhirContext);
			catalogue.codeSystems().forEach(support::addCodeSystem);
			catalogue.structureDefinitions().forEach(support::addStructureDefinition);
			return (IValidationSupport) support;
		};
	}
}
