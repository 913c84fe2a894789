package org.rehabfhir.server.engine;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import java.time.LocalDate;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.DateType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.progress.ProgressEvaluator;
import org.rehabfhir.protocols.recommend.RecommendationResult;
import org.rehabfhir.protocols.recommend.RegimenRecommender;
import org.rehabfhir.protocols.screening.ScreeningExclusionException;
import org.rehabfhir.protocols.screening.ScreeningResult;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.springframework.stereotype.Component;

/**
 * The protocol engine's FHIR operations. None of them stores anything: the clinician saves (and later activates)
 * the draft CarePlan they choose.
 * <ul>
 *   <li>{@code PlanDefinition/{id}/$apply?subject=Patient/{id}&practitioner=Practitioner/{id}[&start=YYYY-MM-DD]}:
 *       a draft CarePlan with contained Goals whose first phase starts on {@code start} (default today), screened against the patient's record (422 with the OperationOutcome when an absolute
 *       exclusion applies);</li>
 *   <li>{@code Patient/{id}/$recommend-regimens}: always a Bundle (type collection): the candidate draft CarePlans
 *       with explanations, or a single OperationOutcome naming every failed exclusion criterion, or one saying why
 *       no regimen applies;</li>
 *   <li>{@code CarePlan/{id}/$evaluate-progress}: progress / hold / regress / suspend from the session Observations
 *       of the plan's patient that point to the plan ({@code basedOn}), and how each stored Goal stands against the
 *       patient's outcome Observations ({@code goal} parameters), as Parameters;</li>
 *   <li>{@code Patient/{id}/$screen}: the safety screen criterion by criterion.</li>
 * </ul>
 */
@Component
public class EngineOperations implements FhirOperationProvider {

    private final PatientRecord records;
    private final DaoRegistry daoRegistry;
    private final RegimenRecommender recommender;
    private final PatientScreening screening;
    private final PlanApplier applier;
    private final ProgressEvaluator progress;
    private final ProtocolCatalogue catalogue;
    private final PlanGoals goals;

    public EngineOperations(
            PatientRecord records,
            DaoRegistry daoRegistry,
            RegimenRecommender recommender,
            PatientScreening screening,
            PlanApplier applier,
            ProgressEvaluator progress,
            ProtocolCatalogue catalogue,
            PlanGoals goals) {
        this.records = records;
        this.daoRegistry = daoRegistry;
        this.recommender = recommender;
        this.screening = screening;
        this.applier = applier;
        this.progress = progress;
        this.catalogue = catalogue;
        this.goals = goals;
    }

    @Operation(name = "$recommend-regimens", type = org.hl7.fhir.r4.model.Patient.class, idempotent = true)
    public Bundle recommendRegimens(@IdParam IdType patientId) {
        PatientRecord.Record record = records.load(patientId);
        RecommendationResult result =
                recommender.recommend(record.patient(), record.conditions(), record.observations(), screening.today());
        return recommender.toBundle(result);
    }

    @Operation(name = "$apply", type = PlanDefinition.class, idempotent = true)
    public CarePlan apply(
            @IdParam IdType planDefinitionId,
            @OperationParam(name = "subject", min = 1, max = 1) StringType subject,
            @OperationParam(name = "practitioner", max = 1) StringType practitioner,
            @OperationParam(name = "start", max = 1) DateType start) {
        if (subject == null || !subject.hasValue()) {
            throw new InvalidRequestException("$apply needs subject=Patient/{id}");
        }
        // hasValue, not isEmpty: a parameter carrying only an extension has no value (found by the fuzz test)
        LocalDate firstDay = start == null || !start.hasValue() ? screening.today() : firstDay(start);
        PlanDefinition planDefinition = regimen(daoRegistry
                .getResourceDao(PlanDefinition.class)
                .read(planDefinitionId.toUnqualifiedVersionless(), new SystemRequestDetails()));
        PatientRecord.Record record = records.load(PatientRecord.patientId(subject.getValue()));
        ScreeningResult screened = screening.screen(record, planDefinition);
        Reference patient =
                new Reference("Patient/" + record.patient().getIdElement().getIdPart());
        Reference performer =
                practitioner == null || !practitioner.hasValue() ? null : records.practitioner(practitioner.getValue());
        try {
            return applier.apply(planDefinition, patient, performer, firstDay, screened);
        } catch (ScreeningExclusionException e) {
            throw new UnprocessableEntityException(
                    "The patient's record excludes this regimen: see each failed criterion", e.operationOutcome());
        }
    }

    /**
     * The regimen a stored PlanDefinition stands for: the catalogue's, by canonical URL and version. The catalogue is
     * the one source of a regimen's phases; the stored copy only names it. A PlanDefinition the catalogue does not
     * hold (another version, or one authored elsewhere) cannot be applied by this engine: 422.
     */
    private PlanDefinition regimen(PlanDefinition stored) {
        String canonical = stored.getUrl() + (stored.hasVersion() ? "|" + stored.getVersion() : "");
        return catalogue
                .planDefinitionByUrl(canonical)
                .orElseThrow(() -> new UnprocessableEntityException("PlanDefinition/"
                        + stored.getIdElement().getIdPart() + " (" + canonical + ") is not a regimen of this"
                        + " server's catalogue"
                        + catalogue
                                .planDefinitionByUrl(stored.getUrl())
                                .map(current -> ": apply version " + current.getVersion() + " (PlanDefinition/"
                                        + CatalogueLoader.storedId(current) + ")")
                                .orElse("")));
    }

    /** {@code start} as a calendar day: a full date (YYYY-MM-DD), else 400. */
    private static LocalDate firstDay(DateType start) {
        if (start.getPrecision() != ca.uhn.fhir.model.api.TemporalPrecisionEnum.DAY) {
            throw new InvalidRequestException(
                    "start must be a full date (YYYY-MM-DD), not " + start.getValueAsString());
        }
        return LocalDate.parse(start.getValueAsString());
    }

    /**
     * {@code Patient/{id}/$screen[?regimen=<PlanDefinition canonical url>]}: the safety screen criterion by criterion
     * ({@link ScreeningResult#toParameters()}), for the regimen's condition group (given, else the best-matching
     * regimen's, else the generic criteria only). Reads the same record as {@code $recommend-regimens}.
     */
    @Operation(name = "$screen", type = org.hl7.fhir.r4.model.Patient.class, idempotent = true)
    public Parameters screen(@IdParam IdType patientId, @OperationParam(name = "regimen", max = 1) StringType regimen) {
        PlanDefinition planDefinition = null;
        if (regimen != null && regimen.hasValue()) {
            planDefinition = catalogue
                    .planDefinitionByUrl(regimen.getValue())
                    .or(() -> catalogue.planDefinitionById(regimen.getValue()))
                    .orElseThrow(() -> new InvalidRequestException(
                            "regimen " + regimen.getValue() + " is not a PlanDefinition of the catalogue"));
        }
        return screening.screen(patientId, planDefinition).toParameters();
    }

    @Operation(name = "$evaluate-progress", type = CarePlan.class, idempotent = true)
    public Parameters evaluateProgress(@IdParam IdType carePlanId) {
        CarePlan plan = records.carePlan(carePlanId);
        Parameters decision =
                progress.evaluate(plan, records.sessionObservations(plan)).toParameters();
        PlanGoals.appendTo(decision, goals.assess(plan));
        return decision;
    }
}
