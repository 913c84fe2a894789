package org.rehabfhir.server.engine;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.SortOrderEnum;
import ca.uhn.fhir.rest.api.SortSpec;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.ReferenceParam;
import ca.uhn.fhir.rest.param.TokenOrListParam;
import java.time.Clock;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.auth.authorization.StoredResourceLookup;
import org.rehabfhir.protocols.progress.GoalAssessment;
import org.springframework.stereotype.Component;

/**
 * The stored Goals of an active plan ({@code CarePlan.goal} = {@code Goal/<id>}) and how each stands against the
 * patient's outcome Observations of its target measure ({@link GoalAssessment}), read as the server.
 */
@Component
public class PlanGoals {

    /** A stored Goal and its assessment. */
    public record Assessed(Goal goal, GoalAssessment.Result result) {}

    private final DaoRegistry daoRegistry;
    private final Clock clock;
    private final StoredResourceLookup stored;

    public PlanGoals(DaoRegistry daoRegistry, Clock clock, StoredResourceLookup stored) {
        this.stored = stored;
        this.daoRegistry = daoRegistry;
        this.clock = clock;
    }

    public List<Assessed> assess(CarePlan plan) {
        List<Assessed> out = new ArrayList<>();
        for (Reference ref : plan.getGoal()) {
            IdType id = new IdType(ref.getReference() == null ? "" : ref.getReference());
            if (!"Goal".equals(id.getResourceType()) || !id.hasIdPart()) {
                continue; // a contained Goal of a draft: nothing measured against it yet
            }
            stored.find(id).map(Goal.class::cast).ifPresent(goal -> GoalAssessment.assess(
                            goal, measures(plan, goal), clock.getZone())
                    .ifPresent(result -> out.add(new Assessed(goal, result))));
        }
        return out;
    }

    /** Adds one {@code goal} parameter per assessed Goal: goal (Reference), target, latest, achievement (Coding). */
    public static void appendTo(Parameters parameters, List<Assessed> goals) {
        for (Assessed a : goals) {
            Parameters.ParametersParameterComponent p =
                    parameters.addParameter().setName("goal");
            p.addPart()
                    .setName("goal")
                    .setValue(new Reference("Goal/" + a.goal().getIdElement().getIdPart())
                            .setDisplay(a.goal().getDescription().getText()));
            p.addPart().setName("target").setValue(new StringType(a.result().target()));
            a.result()
                    .latest()
                    .ifPresent(v -> p.addPart().setName("latest").setValue(new org.hl7.fhir.r4.model.DecimalType(v)));
            a.result()
                    .latestRef()
                    .ifPresent(r -> p.addPart().setName("latestObservation").setValue(new Reference(r)));
            p.addPart().setName("achievement").setValue(a.result().coding());
        }
    }

    private List<Observation> measures(CarePlan plan, Goal goal) {
        TokenOrListParam codes = new TokenOrListParam();
        goal.getTarget().forEach(t -> t.getMeasure().getCoding().forEach(c -> codes.add(c.getSystem(), c.getCode())));
        if (codes.getValuesAsQueryTokens().isEmpty()) {
            return List.of();
        }
        // newest first and no more than the assessment can use: not every measurement of a long record
        SearchParameterMap map = SearchParameterMap.newSynchronous()
                .add(
                        Observation.SP_SUBJECT,
                        new ReferenceParam(plan.getSubject().getReference()))
                .add(Observation.SP_CODE, codes);
        map.setSort(new SortSpec(Observation.SP_DATE, SortOrderEnum.DESC));
        map.setCount(GoalAssessment.NEWEST_READ);
        map.setLoadSynchronousUpTo(GoalAssessment.NEWEST_READ);
        @SuppressWarnings("unchecked")
        List<Observation> found = (List<Observation>) (List<?>)
                daoRegistry.getResourceDao(Observation.class).searchForResources(map, new SystemRequestDetails());
        return found;
    }
}
