package org.rehabfhir.server.engine;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.support.IValidationSupport;
import java.time.Clock;
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

    /**
     * The clinic's clock ({@code rehab.engine.zone}): "today" of every recency window and schedule, and the zone every
     * engine object reads calendar days in. The one source of the zone: everything else asks this clock.
     */
    @Bean
    public Clock clock(EngineProperties properties) {
        return Clock.system(properties.zone());
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
    public SafetyScreener safetyScreener(Clock clock) {
        return new SafetyScreener(clock.getZone());
    }

    @Bean
    public ConditionMatcher conditionMatcher(ProtocolCatalogue catalogue, SnomedSubsumption subsumption, Clock clock) {
        return new ConditionMatcher(catalogue, subsumption, clock.getZone());
    }

    /** Built from the matcher, screener and applier beans: each engine object exists once. */
    @Bean
    public RegimenRecommender regimenRecommender(
            ProtocolCatalogue catalogue, ConditionMatcher matcher, SafetyScreener screener, PlanApplier applier) {
        return new RegimenRecommender(catalogue, matcher, screener, applier);
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
    public ProgressEvaluator progressEvaluator(ProtocolCatalogue catalogue, Clock clock) {
        return new ProgressEvaluator(catalogue, clock.getZone());
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
