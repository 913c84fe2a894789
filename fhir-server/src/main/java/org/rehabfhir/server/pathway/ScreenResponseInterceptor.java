package org.rehabfhir.server.pathway;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import ca.uhn.fhir.rest.server.exceptions.ResourceNotFoundException;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.List;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.QuestionnaireResponse;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.ServiceRequest;
import org.rehabfhir.protocols.screening.ScreenResponseExtractor;
import org.rehabfhir.protocols.screening.ScreenResponseExtractor.Problem;
import org.rehabfhir.server.engine.EngineProperties;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;

/**
 * A completed safety-screen QuestionnaireResponse becomes, in the same database transaction, the Observations the
 * screener reads ({@link ScreenResponseExtractor}): {@code derivedFrom} the response, {@code performer} the
 * caller's Practitioner, {@code effective} the response's {@code authored}. Before anything is stored the response
 * is checked whole: a response to another Questionnaire, an incomplete or invalid one, or one {@code basedOn} a
 * referral of another patient is a 422 naming each item, and nothing is stored. Registered on HAPI's JPA
 * interceptor service, so a response inside a transaction Bundle is extracted the same way.
 */
@Component
public class ScreenResponseInterceptor {

    private static final Logger log = LoggerFactory.getLogger(ScreenResponseInterceptor.class);

    private final IInterceptorService jpaInterceptors;
    private final DaoRegistry daoRegistry;
    private final ScreenResponseExtractor extractor;
    private final Clinicians clinicians;

    /** {@code rehab.engine.pathway-hooks}: off only on the benchmark's bare server. */
    private final boolean registered;

    public ScreenResponseInterceptor(
            IInterceptorService jpaInterceptors,
            DaoRegistry daoRegistry,
            ScreenResponseExtractor extractor,
            Clinicians clinicians,
            EngineProperties engine) {
        this.jpaInterceptors = jpaInterceptors;
        this.daoRegistry = daoRegistry;
        this.extractor = extractor;
        this.clinicians = clinicians;
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

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED)
    public void beforeCreate(IBaseResource resource) {
        if (resource instanceof QuestionnaireResponse response) {
            check(response);
        }
    }

    @Hook(Pointcut.STORAGE_PRESTORAGE_RESOURCE_UPDATED)
    public void beforeUpdate(IBaseResource previous, IBaseResource current) {
        if (current instanceof QuestionnaireResponse response && completesNow(previous, response)) {
            check(response);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource) {
        if (resource instanceof QuestionnaireResponse response) {
            extract(response);
        }
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(IBaseResource previous, IBaseResource current) {
        if (current instanceof QuestionnaireResponse response && completesNow(previous, response)) {
            extract(response);
        }
    }

    /** Only a response that becomes completed is extracted (an amendment of a completed one is not re-extracted). */
    private static boolean completesNow(IBaseResource previous, QuestionnaireResponse current) {
        boolean wasCompleted = previous instanceof QuestionnaireResponse p
                && p.getStatus() == QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED;
        return !wasCompleted && current.getStatus() == QuestionnaireResponse.QuestionnaireResponseStatus.COMPLETED;
    }

    private void check(QuestionnaireResponse response) {
        List<Problem> problems = new ArrayList<>(extractor.check(response));
        for (Reference basedOn : response.getBasedOn()) {
            if ("ServiceRequest".equals(basedOn.getReferenceElement().getResourceType())) {
                referralOfTheSamePatient(response, basedOn, problems);
            }
        }
        if (!problems.isEmpty()) {
            ScreenResponseExtractor.InvalidResponseException invalid =
                    new ScreenResponseExtractor.InvalidResponseException(problems);
            throw Outcomes.unprocessable(
                    "The safety-screen response cannot be recorded: see each item", invalid.toOperationOutcome());
        }
    }

    private void referralOfTheSamePatient(QuestionnaireResponse response, Reference basedOn, List<Problem> problems) {
        try {
            ServiceRequest referral = daoRegistry
                    .getResourceDao(ServiceRequest.class)
                    .read(basedOn.getReferenceElement().toUnqualifiedVersionless(), new SystemRequestDetails());
            String referred = referral.getSubject()
                    .getReferenceElement()
                    .toUnqualifiedVersionless()
                    .getValue();
            String screened = response.getSubject()
                    .getReferenceElement()
                    .toUnqualifiedVersionless()
                    .getValue();
            if (!referred.equals(screened)) {
                problems.add(new Problem(
                        null,
                        "basedOn " + basedOn.getReference() + " is the referral of another "
                                + "patient than the subject " + screened));
            }
        } catch (ResourceNotFoundException | ResourceGoneException e) {
            problems.add(new Problem(null, "basedOn " + basedOn.getReference() + " does not exist"));
        }
    }

    private void extract(QuestionnaireResponse response) {
        Reference derivedFrom =
                new Reference("QuestionnaireResponse/" + response.getIdElement().getIdPart());
        Reference performer = clinicians.practitioner().orElse(null);
        List<Observation> observations = extractor.extract(response, derivedFrom, performer);
        var dao = daoRegistry.getResourceDao(Observation.class);
        observations.forEach(o -> dao.create(o, new SystemRequestDetails()));
        log.debug("Safety screen {} extracted into {} Observations", derivedFrom.getReference(), observations.size());
    }
}
