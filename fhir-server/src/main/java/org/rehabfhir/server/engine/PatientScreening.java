package org.rehabfhir.server.engine;

import java.time.Clock;
import java.time.LocalDate;
import java.util.List;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.matching.ApplicableCondition;
import org.rehabfhir.protocols.matching.ConditionMatcher;
import org.rehabfhir.protocols.matching.RegimenMatch;
import org.rehabfhir.protocols.screening.SafetyScreener;
import org.rehabfhir.protocols.screening.ScreeningResult;
import org.springframework.stereotype.Component;

/**
 * Screens a patient's stored record as of today (the clinic's clock): for one regimen (its condition group), for
 * the best-matching regimen, or for the regimen a saved plan instantiates. Used by {@code $apply}, {@code $screen}
 * and plan activation, so that all of them screen alike.
 */
@Component
public class PatientScreening {

    private final PatientRecord records;
    private final ConditionMatcher matcher;
    private final SafetyScreener screener;
    private final ProtocolCatalogue catalogue;
    private final Clock clock;

    public PatientScreening(
            PatientRecord records,
            ConditionMatcher matcher,
            SafetyScreener screener,
            ProtocolCatalogue catalogue,
            Clock clock) {
        this.records = records;
        this.matcher = matcher;
        this.screener = screener;
        this.catalogue = catalogue;
        this.clock = clock;
    }

    public LocalDate today() {
        return LocalDate.now(clock);
    }

    /** The screen for {@code planDefinition} (null: the best-matching regimen's group, else generic criteria). */
    public ScreeningResult screen(PatientRecord.Record record, PlanDefinition planDefinition) {
        LocalDate today = today();
        String group = planDefinition == null
                ? matcher.match(record.patient(), record.conditions(), record.observations(), today).regimens().stream()
                        .map(RegimenMatch::group)
                        .findFirst()
                        .orElse(null)
                : conditionGroup(planDefinition, record, today);
        return screener.screen(record.conditions(), record.observations(), group, today);
    }

    public ScreeningResult screen(IIdType patientId, PlanDefinition planDefinition) {
        return screen(records.load(patientId), planDefinition);
    }

    /** The catalogue regimen a plan instantiates (by canonical, with or without version), if any. */
    public Optional<PlanDefinition> regimenOf(CarePlan plan) {
        return plan.getInstantiatesCanonical().stream()
                .map(CanonicalType::getValue)
                .map(catalogue::planDefinitionByUrl)
                .flatMap(Optional::stream)
                .findFirst();
    }

    /**
     * The condition group to screen for: the group by which the patient's record matches this regimen; when the
     * record does not match it (the clinician chose the regimen), the regimen's first condition group.
     */
    private String conditionGroup(PlanDefinition planDefinition, PatientRecord.Record record, LocalDate today) {
        String url = planDefinition.getUrl();
        List<RegimenMatch> matches = matcher.match(record.patient(), record.conditions(), record.observations(), today)
                .regimens();
        return matches.stream()
                .filter(m -> url != null && url.equals(m.planDefinition().getUrl()))
                .map(RegimenMatch::group)
                .findFirst()
                .orElseGet(() -> ApplicableCondition.of(planDefinition).stream()
                        .map(ApplicableCondition::group)
                        .findFirst()
                        .orElse(null));
    }
}
