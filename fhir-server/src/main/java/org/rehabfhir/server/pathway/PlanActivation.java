package org.rehabfhir.server.pathway;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.UnprocessableEntityException;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.util.HashMap;
import java.util.Map;
import java.util.Optional;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.PlanDefinition;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.rehabfhir.protocols.apply.PlanApplier;
import org.rehabfhir.protocols.screening.ScreeningResult;
import org.rehabfhir.protocols.screening.ScreeningStatus;
import org.rehabfhir.server.engine.EngineProperties;
import org.rehabfhir.server.engine.PatientScreening;
import org.springframework.stereotype.Component;

/**
 * What happens when a CarePlan becomes {@code active}, whichever way (a PUT that moves a draft to active,
 * {@code $activate}, a transaction entry), inside the write's own database transaction:
 * <ol>
 *   <li>a plan made from a catalogue regimen is screened again on the patient's current record: an exclusion is a
 *       422 naming each failed criterion; a screen that needs review or a clinician override needs the override
 *       reason on the plan ({@code screening-result.overrideReason}, set by {@code $activate?overrideReason=}),
 *       otherwise 422; the plan then carries the new screening;</li>
 *   <li>each contained Goal is stored as its own Goal (subject the patient, {@code lifecycleStatus} active), and
 *       {@code CarePlan.goal} and every activity's {@code goal} point at the stored Goals.</li>
 * </ol>
 * A plan {@code on-hold} (after a fall) becomes active again only through a physiotherapist's review
 * ({@code $activate} with a reason, which marks the request); any other way is a 422. Provenance (ACTIVATE or
 * RESUME, agent the caller) is recorded by the {@code ProvenanceRecorder} in the same transaction.
 */
@Component
public class PlanActivation {

    private static final String REVIEWED_KEY = PlanActivation.class.getName() + ".reviewed";

    private final IInterceptorService jpaInterceptors;
    private final DaoRegistry daoRegistry;
    private final PatientScreening screening;

    /** {@code rehab.engine.pathway-hooks}: off only on the benchmark's bare server. */
    private final boolean registered;

    public PlanActivation(
            IInterceptorService jpaInterceptors,
            DaoRegistry daoRegistry,
            PatientScreening screening,
            EngineProperties engine) {
        this.jpaInterceptors = jpaInterceptors;
        this.daoRegistry = daoRegistry;
        this.screening = screening;
        this.registered = engine.pathwayHooks();
    }

    @PostConstruct
    void register() {
        if (registered) {
            jpaInterceptors.registerInterceptor(this);
        }
    }

    @PreDestroy
    void unregister() {
        if (registered) {
            jpaInterceptors.unregisterInterceptor(this);
        }
    }

    /** Marks a request as a physiotherapist's review that may reactivate an on-hold plan. */
    static void markReviewed(RequestDetails request) {
        request.getUserData().put(REVIEWED_KEY, Boolean.TRUE);
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource) {
        if (resource instanceof CarePlan plan && plan.getStatus() == CarePlan.CarePlanStatus.ACTIVE) {
            activate(plan);
        }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource current, RequestDetails request) {
        if (!(previous instanceof CarePlan before)
                || !(current instanceof CarePlan plan)
                || plan.getStatus() != CarePlan.CarePlanStatus.ACTIVE
                || before.getStatus() == CarePlan.CarePlanStatus.ACTIVE) {
            return;
        }
        if (before.getStatus() == CarePlan.CarePlanStatus.ONHOLD) {
            if (request == null || !Boolean.TRUE.equals(request.getUserData().get(REVIEWED_KEY))) {
                throw new UnprocessableEntityException(
                        "CarePlan/" + plan.getIdElement().getIdPart() + " is on hold "
                                + "after a fall: only a physiotherapist's review reactivates it (POST CarePlan/{id}/$activate "
                                + "with a reason)");
            }
            return;
        }
        if (before.getStatus() != CarePlan.CarePlanStatus.DRAFT) {
            throw new UnprocessableEntityException(
                    "A " + before.getStatus().toCode() + " CarePlan cannot become active " + "again; make a new plan");
        }
        activate(plan);
    }

    private void activate(CarePlan plan) {
        Optional<PlanDefinition> regimen = screening.regimenOf(plan);
        if (regimen.isPresent()) {
            IIdType patient = plan.getSubject().getReferenceElement();
            if (!"Patient".equals(patient.getResourceType())) {
                throw new UnprocessableEntityException("CarePlan.subject must be a Patient to activate the plan");
            }
            ScreeningResult screened = screening.screen(patient, regimen.get());
            if (screened.excluded()) {
                throw Outcomes.unprocessable(
                        "The patient's current record excludes this regimen: see each " + "failed criterion",
                        screened.toOperationOutcome());
            }
            ScreeningStatus status = screened.status();
            if (status != ScreeningStatus.CLEAR
                    && PlanApplier.overrideReason(plan).isEmpty()) {
                throw Outcomes.unprocessable(
                        "The safety screen is '" + status.display() + "': activating "
                                + "the plan needs a clinician's override reason (POST CarePlan/{id}/$activate with "
                                + "overrideReason); see each open criterion",
                        screened.toOperationOutcome());
            }
            PlanApplier.recordScreening(plan, screened);
        }
        storeGoals(plan);
    }

    /** Contained Goals become stored Goals; every reference to them is rewritten. */
    private void storeGoals(CarePlan plan) {
        Map<String, String> stored = new HashMap<>();
        for (Resource contained : plan.getContained()) {
            if (contained instanceof Goal goal) {
                Goal copy = goal.copy();
                copy.setId((String) null);
                copy.setLifecycleStatus(Goal.GoalLifecycleStatus.ACTIVE);
                copy.setSubject(plan.getSubject().copy());
                IIdType id = daoRegistry
                        .getResourceDao(Goal.class)
                        .create(copy, new SystemRequestDetails())
                        .getId();
                stored.put(localId(goal.getIdElement().getIdPart()), "Goal/" + id.getIdPart());
            }
        }
        if (stored.isEmpty()) {
            return;
        }
        plan.getContained().removeIf(r -> r instanceof Goal);
        plan.getGoal().forEach(ref -> rewrite(ref, stored));
        plan.getActivity().forEach(a -> a.getDetail().getGoal().forEach(ref -> rewrite(ref, stored)));
    }

    private static String localId(String id) {
        return id == null ? "" : id.startsWith("#") ? id.substring(1) : id;
    }

    private static void rewrite(Reference ref, Map<String, String> stored) {
        String target = ref.getReference() != null && ref.getReference().startsWith("#")
                ? stored.get(localId(ref.getReference()))
                : null;
        if (target == null && ref.getResource() instanceof Goal g) {
            target = stored.get(localId(g.getIdElement().getIdPart()));
        }
        if (target != null) {
            ref.setResource(null);
            ref.setReference(target);
        }
    }
}
