package org.rehabfhir.server.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceOrListParam;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import ca.uhn.fhir.rest.param.TokenParam;
import java.util.ArrayList;
import java.util.Date;
import java.util.HashSet;
import java.util.LinkedHashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeMap;
import java.util.function.Consumer;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.BooleanType;
import org.hl7.fhir.r4.model.CanonicalType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Condition;
import org.hl7.fhir.r4.model.DecimalType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Quantity;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.hl7.fhir.r4.model.UriType;
import org.rehabfhir.protocols.catalogue.ProtocolCatalogue;
import org.rehabfhir.protocols.catalogue.RehabCodes;
import org.rehabfhir.protocols.matching.ApplicableCondition;
import org.rehabfhir.protocols.record.Observations;
import org.rehabfhir.protocols.record.Units;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.springframework.stereotype.Component;

/**
 * {@code GET /fhir/$rehab-outcomes[?condition=...]} (auditor): per regimen (CarePlan.instantiatesCanonical, version
 * ignored) and per outcome measure, the change between each patient's first and last Observation (by effective
 * time) among the Observations whose {@code basedOn} is one of the patient's CarePlans of that regimen.
 *
 * <p>{@code condition}: a condition-group code of the catalogue (e.g. {@code knee-osteoarthritis}: the regimens of
 * that group), or a condition code ({@code system|code} or a bare code: the plans of patients with such a Condition).
 * Counted: CarePlans active or completed (not drafts, nor on-hold, revoked, entered-in-error or unknown ones);
 * Observations final, amended or corrected with a valueQuantity. The data is read in pages of {@value #PAGE}
 * (synchronous searches with {@code _count}/offset, sorted by {@code _id}), never in one unbounded search.
 */
@Component
public class RehabOutcomesProvider implements FhirOperationProvider {

    /** An outcome measure reported, with the UCUM unit its values are aggregated in. */
    record Measure(Coding code, String unit) {
        String key() {
            return code.getSystem() + "|" + code.getCode();
        }
    }

    /** The outcome measures reported, in this order. */
    static final List<Measure> MEASURES = List.of(
            new Measure(new Coding(RehabCodes.LOINC, RehabCodes.LOINC_TUG, "Timed Up and Go"), Units.SECOND),
            new Measure(new Coding(RehabCodes.LOINC, RehabCodes.LOINC_GAIT_SPEED_4M, "Gait speed"), "m/s"),
            new Measure(new Coding(RehabCodes.CS_OUTCOME, "gait-speed-10mwt", "10-metre walk test gait speed"), "m/s"),
            new Measure(
                    new Coding(RehabCodes.CS_OUTCOME, "berg-balance-total", "Berg Balance Scale total score"),
                    Units.SCORE),
            new Measure(
                    new Coding(RehabCodes.LOINC, RehabCodes.LOINC_PAIN_NRS, "Pain numeric rating scale"), Units.SCORE));

    private static final Set<String> COUNTED_STATUSES = Set.of("final", "amended", "corrected");
    /** CarePlan statuses whose plans are counted. */
    static final Set<String> COUNTED_PLAN_STATUSES = Set.of("active", "completed");

    private static final int BATCH = 100;
    static final int PAGE = 500;

    private final DaoRegistry daoRegistry;
    private final ProtocolCatalogue catalogue;
    /**
     * Minimum cell size when the plans are filtered by a Condition code (Conditions the auditor may not read): a
     * regimen or measure with fewer patients (but at least one) shows no counts, only {@code suppressed=true}, so no
     * single patient's diagnosis can be recognised from an answer.
     */
    private final int minCellSize;

    public RehabOutcomesProvider(
            DaoRegistry daoRegistry,
            ProtocolCatalogue catalogue,
            @org.springframework.beans.factory.annotation.Value("${rehab.audit.outcomes-min-cell-size:5}")
                    int minCellSize) {
        this.daoRegistry = daoRegistry;
        this.catalogue = catalogue;
        this.minCellSize = minCellSize;
    }

    /** Whether a count of {@code patients} must be hidden (small cell of a Condition-filtered answer). */
    private boolean hidden(boolean conditionFiltered, int patients) {
        return conditionFiltered && patients > 0 && patients < minCellSize;
    }

    @Operation(name = "$rehab-outcomes", idempotent = true)
    public Parameters rehabOutcomes(@OperationParam(name = "condition", max = 1) StringType condition) {
        String filter = condition == null || condition.isEmpty()
                ? null
                : condition.getValue().trim();
        Set<String> groupRegimens = null;
        Set<String> conditionPatients = null;
        if (filter != null) {
            groupRegimens = regimensOfGroup(filter);
            if (groupRegimens.isEmpty()) {
                conditionPatients = patientsWithCondition(filter);
            }
        }

        // regimen -> patient -> plan ids
        Map<String, Map<String, Set<String>>> plans = new TreeMap<>();
        Map<String, String> planRegimen = new LinkedHashMap<>();
        Map<String, String> planPatient = new LinkedHashMap<>();
        Set<String> finalGroupRegimens = groupRegimens;
        Set<String> finalConditionPatients = conditionPatients;
        forEach("CarePlan", RehabOutcomesProvider::countedPlans, resource -> {
            CarePlan plan = (CarePlan) resource;
            if (!plan.hasStatus()
                    || !COUNTED_PLAN_STATUSES.contains(plan.getStatus().toCode())
                    || !plan.hasSubject()
                    || !plan.getSubject().hasReference()) {
                return;
            }
            String patient = plan.getSubject()
                    .getReferenceElement()
                    .toUnqualifiedVersionless()
                    .getValue();
            if (finalConditionPatients != null && !finalConditionPatients.contains(patient)) {
                return;
            }
            for (CanonicalType canonical : plan.getInstantiatesCanonical()) {
                String regimen = withoutVersion(canonical.getValue());
                if (regimen == null
                        || (finalGroupRegimens != null
                                && !finalGroupRegimens.isEmpty()
                                && !finalGroupRegimens.contains(regimen))) {
                    continue;
                }
                String planId = "CarePlan/" + plan.getIdElement().getIdPart();
                plans.computeIfAbsent(regimen, r -> new TreeMap<>())
                        .computeIfAbsent(patient, p -> new HashSet<>())
                        .add(planId);
                planRegimen.put(planId, regimen);
                planPatient.put(planId, patient);
            }
        });
        if (groupRegimens != null && !groupRegimens.isEmpty()) {
            groupRegimens.forEach(r -> plans.computeIfAbsent(r, x -> new TreeMap<>()));
        }

        // observations per (regimen, patient, measure)
        Map<String, Map<String, Map<String, List<Observation>>>> observations = new LinkedHashMap<>();
        List<String> planIds = new ArrayList<>(planRegimen.keySet());
        for (int i = 0; i < planIds.size(); i += BATCH) {
            List<String> batch = planIds.subList(i, Math.min(planIds.size(), i + BATCH));
            Supplier<SearchParameterMap> query = () -> {
                ReferenceOrListParam basedOn = new ReferenceOrListParam();
                batch.forEach(id -> basedOn.addOr(new ReferenceParam(id)));
                return new SearchParameterMap().add("based-on", basedOn);
            };
            forEach("Observation", query, resource -> {
                Observation observation = (Observation) resource;
                Optional<String> measure = measureOf(observation);
                if (measure.isEmpty()
                        || !observation.hasStatus()
                        || !COUNTED_STATUSES.contains(observation.getStatus().toCode())
                        || !(observation.getValue() instanceof Quantity q)
                        || !q.hasValue()
                        || effective(observation) == null) {
                    return;
                }
                Set<String> seen = new HashSet<>();
                for (Reference ref : observation.getBasedOn()) {
                    String planId =
                            ref.getReferenceElement().toUnqualifiedVersionless().getValue();
                    String regimen = planRegimen.get(planId);
                    if (regimen == null || !seen.add(regimen)) {
                        continue;
                    }
                    observations
                            .computeIfAbsent(regimen, r -> new LinkedHashMap<>())
                            .computeIfAbsent(planPatient.get(planId), p -> new LinkedHashMap<>())
                            .computeIfAbsent(measure.get(), m -> new ArrayList<>())
                            .add(observation);
                }
            });
        }

        Parameters out = new Parameters();
        if (filter != null) {
            out.addParameter().setName("condition").setValue(new StringType(filter));
        }
        for (Map.Entry<String, Map<String, Set<String>>> regimen : plans.entrySet()) {
            Parameters.ParametersParameterComponent r = out.addParameter().setName("regimen");
            r.addPart().setName("canonical").setValue(new UriType(regimen.getKey()));
            catalogue
                    .planDefinitionByUrl(regimen.getKey())
                    .map(PlanDefinition::getTitle)
                    .ifPresent(title -> r.addPart().setName("title").setValue(new StringType(title)));
            boolean conditionFiltered = conditionPatients != null;
            if (hidden(conditionFiltered, regimen.getValue().size())) {
                r.addPart().setName("suppressed").setValue(new BooleanType(true));
                r.addPart().setName("minCellSize").setValue(new IntegerType(minCellSize));
                continue;
            }
            r.addPart()
                    .setName("patients")
                    .setValue(new IntegerType(regimen.getValue().size()));
            r.addPart()
                    .setName("carePlans")
                    .setValue(new IntegerType(regimen.getValue().values().stream()
                            .mapToInt(Set::size)
                            .sum()));
            Map<String, Map<String, List<Observation>>> byPatient =
                    observations.getOrDefault(regimen.getKey(), Map.of());
            for (Measure measure : MEASURES) {
                addMeasure(r, measure, byPatient, conditionFiltered);
            }
        }
        return out;
    }

    private void addMeasure(
            Parameters.ParametersParameterComponent regimen,
            Measure measure,
            Map<String, Map<String, List<Observation>>> byPatient,
            boolean conditionFiltered) {
        MeasureSummary summary = MeasureSummary.of(
                measure.unit(),
                byPatient.values().stream()
                        .map(measures -> measures.getOrDefault(measure.key(), List.of()))
                        .toList());
        Parameters.ParametersParameterComponent m = regimen.addPart().setName("measure");
        m.addPart().setName("code").setValue(measure.code().copy());
        if (hidden(conditionFiltered, summary.patients())) {
            m.addPart().setName("suppressed").setValue(new BooleanType(true));
            return;
        }
        m.addPart().setName("patients").setValue(new IntegerType(summary.patients()));
        m.addPart().setName("patientsWithChange").setValue(new IntegerType(summary.patientsWithChange()));
        m.addPart().setName("observations").setValue(new IntegerType(summary.observations()));
        summary.meanChange().ifPresent(mean -> m.addPart().setName("meanChange").setValue(new DecimalType(mean)));
        if (summary.patients() > 0) {
            m.addPart().setName("unit").setValue(new StringType(summary.unit()));
        }
    }

    private Set<String> regimensOfGroup(String group) {
        return catalogue.planDefinitions().stream()
                .filter(pd -> ApplicableCondition.of(pd).stream().anyMatch(c -> group.equals(c.group())))
                .map(PlanDefinition::getUrl)
                .collect(Collectors.toCollection(java.util.TreeSet::new));
    }

    private Set<String> patientsWithCondition(String code) {
        int bar = code.indexOf('|');
        TokenParam token =
                bar >= 0 ? new TokenParam(code.substring(0, bar), code.substring(bar + 1)) : new TokenParam(code);
        Set<String> patients = new HashSet<>();
        forEach("Condition", () -> new SearchParameterMap().add("code", token), resource -> {
            Condition c = (Condition) resource;
            if (c.hasSubject() && c.getSubject().hasReference()) {
                patients.add(c.getSubject()
                        .getReferenceElement()
                        .toUnqualifiedVersionless()
                        .getValue());
            }
        });
        return patients;
    }

    /** CarePlans with a counted status (the search restricts; the loop checks again). */
    private static SearchParameterMap countedPlans() {
        TokenOrListParam status = new TokenOrListParam();
        COUNTED_PLAN_STATUSES.stream().sorted().forEach(code -> status.addOr(new TokenParam(code)));
        return new SearchParameterMap().add("status", status);
    }

    /**
     * Every match of the query, page by page ({@value #PAGE} resources a page, synchronous, sorted by {@code _id} so
     * that the offsets are stable): memory holds one page of resources at a time, not the whole result.
     */
    private void forEach(String type, Supplier<SearchParameterMap> query, Consumer<IBaseResource> action) {
        IFhirResourceDao<?> dao = daoRegistry.getResourceDao(type);
        for (int offset = 0; ; offset += PAGE) {
            SearchParameterMap map = query.get();
            map.setLoadSynchronous(true);
            map.setSort(new SortSpec("_id"));
            map.setCount(PAGE);
            map.setOffset(offset);
            List<IBaseResource> page =
                    dao.search(map, new SystemRequestDetails()).getResources(0, PAGE);
            page.forEach(action);
            if (page.size() < PAGE) {
                return;
            }
        }
    }

    static Optional<String> measureOf(Observation observation) {
        for (Coding coding : observation.getCode().getCoding()) {
            for (Measure measure : MEASURES) {
                if (measure.code().getSystem().equals(coding.getSystem())
                        && measure.code().getCode().equals(coding.getCode())) {
                    return Optional.of(measure.key());
                }
            }
        }
        return Optional.empty();
    }

    /** When it was measured: the engine's one reading of effective[x], else issued ({@link Observations#effective}). */
    static Date effective(Observation observation) {
        return Observations.effective(observation).map(Date::from).orElse(null);
    }

    private static String withoutVersion(String canonical) {
        if (canonical == null || canonical.isBlank()) {
            return null;
        }
        int bar = canonical.indexOf('|');
        return bar >= 0 ? canonical.substring(0, bar) : canonical;
    }
}
