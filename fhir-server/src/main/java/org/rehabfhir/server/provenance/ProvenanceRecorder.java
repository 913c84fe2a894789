package org.rehabfhir.server.provenance;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.IInterceptorService;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.jpa.api.dao.IFhirResourceDao;
import ca.uhn.fhir.jpa.searchparam.SearchParameterMap;
import ca.uhn.fhir.rest.api.server.IBundleProvider;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.api.server.storage.TransactionDetails;
import ca.uhn.fhir.rest.param.TokenParam;
import ca.uhn.fhir.rest.param.UriParam;
import jakarta.annotation.PostConstruct;
import jakarta.annotation.PreDestroy;
import java.util.ArrayList;
import java.util.Date;
import java.util.List;
import java.util.Optional;
import java.util.Set;
import java.util.concurrent.ConcurrentHashMap;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.Base;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Goal;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Provenance;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.server.audit.AuditProperties;
import org.rehabfhir.server.config.TransactionState;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.stereotype.Component;
import org.springframework.transaction.support.TransactionSynchronization;

/**
 * A Provenance for every write of CarePlan, Goal and Observation, created in the same database transaction as the
 * write (storage pre-commit hooks): target = the new version, recorded, the agent from the access token (the
 * {@code fhirUser} Practitioner when it exists, else the user or client by identifier and name), the activity
 * (HL7 v3 DataOperation CREATE, UPDATE, ACTIVATE when the status becomes active, SUSPEND when it becomes on-hold,
 * RESUME when it becomes active again from on-hold, NULLIFY when it becomes entered-in-error; with the reason and
 * the resources it rests on when the operation making the write gave them, {@link Decision}) and, for plans made from a protocol, the PlanDefinition as source entity.
 *
 * <p>The writes of one database transaction that say the same (activity, agent, reason, sources) about the same
 * patient share one Provenance with a target per version written ({@code Provenance.target} is 1..*): a session's
 * six Observations, an EHR transaction's Observations of one patient. It is stored just before the commit (a Spring
 * {@link TransactionSynchronization}, kept with {@link TransactionState}), in the same transaction: a write rolled
 * back leaves none.
 *
 * <p>Registered on HAPI's JPA interceptor service (not on the REST server), so it also sees writes that operations
 * make with a {@link SystemRequestDetails} during a caller's request. Writes without any caller (catalogue and demo
 * data loaded at start) get no Provenance.
 */
@Component
public class ProvenanceRecorder {

    private static final Logger log = LoggerFactory.getLogger(ProvenanceRecorder.class);
    public static final String CS_DATA_OPERATION = "http://terminology.hl7.org/CodeSystem/v3-DataOperation";
    public static final String CS_PARTICIPANT_TYPE =
            "http://terminology.hl7.org/CodeSystem/provenance-participant-type";
    public static final String CS_URI = "urn:ietf:rfc:3986";
    private static final Set<String> TYPES = Set.of("CarePlan", "Goal", "Observation", "CareTeam");
    private static final String DECISION_KEY = ProvenanceRecorder.class.getName() + ".decision";

    /**
     * Why a write of one resource type was made and what it rests on, given by the operation that makes the write
     * (plan activation with an override, an applied progression): becomes {@code Provenance.reason} (text) and one
     * {@code entity} (role source) per reference.
     */
    public record Decision(String resourceType, String reason, List<String> restsOn) {}

    /** Attaches the decision to the writes of {@code decision.resourceType()} made with {@code request}. */
    public static void explain(RequestDetails request, Decision decision) {
        request.getUserData().put(DECISION_KEY, decision);
    }

    private final FhirContext fhirContext;
    private final IInterceptorService jpaInterceptors;
    private final DaoRegistry daoRegistry;
    private final AuditProperties properties;
    private final TransactionState transactionState;
    private final Set<String> knownPractitioners = ConcurrentHashMap.newKeySet();

    public ProvenanceRecorder(
            FhirContext fhirContext,
            IInterceptorService jpaInterceptors,
            DaoRegistry daoRegistry,
            AuditProperties properties,
            TransactionState transactionState) {
        this.fhirContext = fhirContext;
        this.jpaInterceptors = jpaInterceptors;
        this.daoRegistry = daoRegistry;
        this.properties = properties;
        this.transactionState = transactionState;
    }

    @PostConstruct
    void register() {
        // Provenance.target names the exact version written: keep that version when the resource is stored
        Set<String> keep = new java.util.LinkedHashSet<>(
                fhirContext.getParserOptions().getDontStripVersionsFromReferencesAtPaths());
        keep.add("Provenance.target");
        fhirContext.getParserOptions().setDontStripVersionsFromReferencesAtPaths(keep);
        jpaInterceptors.registerInterceptor(this);
    }

    @PreDestroy
    void unregister() {
        jpaInterceptors.unregisterInterceptor(this);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_CREATED)
    public void created(IBaseResource resource, RequestDetails request, TransactionDetails transaction) {
        record(resource, "CREATE", "create", request, transaction);
    }

    @Hook(Pointcut.STORAGE_PRECOMMIT_RESOURCE_UPDATED)
    public void updated(
            IBaseResource previous, IBaseResource current, RequestDetails request, TransactionDetails transaction) {
        if (previous != null
                && current != null
                && previous.getIdElement().getVersionIdPart() != null
                && previous.getIdElement()
                        .getVersionIdPart()
                        .equals(current.getIdElement().getVersionIdPart())) {
            return; // no-op update: no new version
        }
        String before = status(previous);
        String after = status(current);
        if ("entered-in-error".equals(after) && !"entered-in-error".equals(before)) {
            record(current, "NULLIFY", "nullify", request, transaction);
        } else if ("active".equals(after) && "on-hold".equals(before)) {
            record(current, "RESUME", "resume", request, transaction);
        } else if ("active".equals(after) && !"active".equals(before)) {
            record(current, "ACTIVATE", "activate", request, transaction);
        } else if ("on-hold".equals(after) && !"on-hold".equals(before)) {
            record(current, "SUSPEND", "suspend", request, transaction);
        } else {
            record(current, "UPDATE", "revise", request, transaction);
        }
    }

    private void record(
            IBaseResource resource,
            String activity,
            String activityDisplay,
            RequestDetails request,
            TransactionDetails transaction) {
        if (!properties.isProvenanceEnabled()
                || !(resource instanceof Resource target)
                || !TYPES.contains(target.fhirType())) {
            return;
        }
        Optional<CallerContext> caller = RehabSecurityContext.current();
        if (caller.isEmpty()) {
            return; // internal write without a caller (catalogue, demo data)
        }
        Provenance provenance = new Provenance();
        provenance.addTarget(
                new Reference(target.fhirType() + "/" + target.getIdElement().getIdPart() + "/_history/"
                        + target.getIdElement().getVersionIdPart()));
        provenance.setActivity(new CodeableConcept(new Coding(CS_DATA_OPERATION, activity, activityDisplay)));
        Provenance.ProvenanceAgentComponent agent = provenance.addAgent();
        agent.setType(new CodeableConcept(new Coding(CS_PARTICIPANT_TYPE, "author", "Author")));
        agent.setWho(who(caller.get()));
        if (target instanceof CarePlan plan) {
            plan.getInstantiatesCanonical().forEach(canonical -> addSource(provenance, canonical.getValue()));
        }
        if (request != null
                && request.getUserData().get(DECISION_KEY) instanceof Decision decision
                && decision.resourceType().equals(target.fhirType())) {
            provenance.addReason().setText(decision.reason());
            decision.restsOn().forEach(ref -> provenance
                    .addEntity()
                    .setRole(Provenance.ProvenanceEntityRole.SOURCE)
                    .setWhat(new Reference(ref)));
        }
        Optional<Pending> pending = transactionState.get(this, this, Pending::new);
        if (pending.isPresent()) {
            pending.get().add(provenance, subjectOf(target), transaction);
        } else {
            store(provenance.setRecorded(new Date()), transaction); // no transaction to gather the writes of
        }
    }

    /**
     * Stores a Provenance with the write's own {@code TransactionDetails}: its targets, written in this transaction,
     * resolve from it (no query).
     */
    private void store(Provenance provenance, TransactionDetails transaction) {
        daoRegistry
                .getResourceDao(Provenance.class)
                .create(provenance, null, true, new SystemRequestDetails(), transaction);
    }

    /**
     * The patient a written resource is about, by reference (a Provenance is never about two); null when it names
     * none that way.
     */
    private static String subjectOf(Resource target) {
        Reference subject = null;
        if (target instanceof Observation observation) {
            subject = observation.getSubject();
        } else if (target instanceof CarePlan plan) {
            subject = plan.getSubject();
        } else if (target instanceof Goal goal) {
            subject = goal.getSubject();
        } else if (target instanceof org.hl7.fhir.r4.model.CareTeam team) {
            subject = team.getSubject();
        }
        return subject == null ? null : subject.getReference();
    }

    /**
     * The Provenances of one database transaction, each gathering the targets of the writes that say the same about
     * the same patient; stored before the commit, in the transaction (dropped with it when it rolls back).
     */
    private final class Pending implements TransactionSynchronization {

        private final List<Gathered> gathered = new ArrayList<>();
        private boolean stored;

        void add(Provenance provenance, String patient, TransactionDetails transaction) {
            if (stored) {
                // a write made after this transaction's Provenances were stored (by another synchronization's
                // beforeCommit): its own, at once
                store(provenance.setRecorded(new Date()), transaction);
                return;
            }
            if (patient != null) {
                for (Gathered g : gathered) {
                    if (patient.equals(g.patient) && g.saysTheSameAs(provenance)) {
                        g.add(provenance.getTargetFirstRep(), transaction);
                        return;
                    }
                }
            } // a write naming no patient by reference (none, or an identifier only) is never grouped
            gathered.add(new Gathered(provenance, patient, transaction));
        }

        @Override
        public void beforeCommit(boolean readOnly) {
            stored = true;
            Date recorded = new Date();
            for (Gathered g : gathered) {
                store(g.provenance.setRecorded(recorded), g.transaction);
            }
            gathered.clear();
        }

        @Override
        public void afterCompletion(int status) {
            gathered.clear();
        }
    }

    /** One Provenance being gathered, with the {@code TransactionDetails} its targets' ids resolve from. */
    private static final class Gathered {

        final Provenance provenance;
        final String patient;
        final TransactionDetails transaction;

        Gathered(Provenance provenance, String patient, TransactionDetails transaction) {
            this.provenance = provenance;
            this.patient = patient;
            this.transaction = transaction == null ? new TransactionDetails() : transaction;
        }

        /** The same activity, agent, reason and sources (all but the target and the time). */
        boolean saysTheSameAs(Provenance other) {
            return Base.compareDeep(provenance.getActivity(), other.getActivity(), true)
                    && Base.compareDeep(provenance.getAgent(), other.getAgent(), true)
                    && Base.compareDeep(provenance.getReason(), other.getReason(), true)
                    && Base.compareDeep(provenance.getEntity(), other.getEntity(), true);
        }

        void add(Reference target, TransactionDetails from) {
            provenance.addTarget(target);
            if (from != null && from != transaction) {
                IIdType id = target.getReferenceElement().toUnqualifiedVersionless();
                var pid = from.getResolvedResourceId(id);
                if (pid != null) {
                    transaction.addResolvedResourceId(id, pid);
                }
            }
        }
    }

    private Reference who(CallerContext caller) {
        Reference who = new Reference();
        String fhirUser = caller.fhirUser();
        if (fhirUser != null
                && fhirUser.matches("(Practitioner|PractitionerRole|Device|Organization)/[A-Za-z0-9\\-.]{1,64}")
                && exists(fhirUser)) {
            who.setReference(fhirUser);
        }
        if (caller.isSystem()) {
            who.setIdentifier(new Identifier().setSystem(caller.issuer()).setValue(caller.clientId()));
        } else {
            who.setIdentifier(new Identifier().setSystem(caller.issuer()).setValue(caller.subject()));
        }
        who.setDisplay(caller.displayName());
        return who;
    }

    private boolean exists(String reference) {
        if (knownPractitioners.contains(reference)) {
            return true;
        }
        String[] parts = reference.split("/");
        try {
            IFhirResourceDao<?> dao = daoRegistry.getResourceDao(parts[0]);
            IBundleProvider found = dao.search(
                    SearchParameterMap.newSynchronous("_id", new TokenParam(parts[1])), new SystemRequestDetails());
            boolean exists = !found.getResources(0, 1).isEmpty();
            if (exists) {
                knownPractitioners.add(reference);
            }
            return exists;
        } catch (RuntimeException e) {
            log.debug("Could not look up {}: {}", reference, e.getMessage());
            return false;
        }
    }

    private void addSource(Provenance provenance, String canonical) {
        if (canonical == null || canonical.isBlank()) {
            return;
        }
        Reference what = new Reference().setDisplay(canonical);
        int bar = canonical.indexOf('|');
        String url = bar >= 0 ? canonical.substring(0, bar) : canonical;
        String version = bar >= 0 && bar < canonical.length() - 1 ? canonical.substring(bar + 1) : null;
        try {
            // url|version names exactly one version: another version of the protocol is not the source
            SearchParameterMap query = SearchParameterMap.newSynchronous("url", new UriParam(url));
            if (version != null) {
                query.add("version", new TokenParam(version));
            }
            IBundleProvider found =
                    daoRegistry.getResourceDao("PlanDefinition").search(query, new SystemRequestDetails());
            var resources = found.getResources(0, 1);
            if (!resources.isEmpty()) {
                what.setReference(
                        "PlanDefinition/" + resources.get(0).getIdElement().getIdPart());
            }
        } catch (RuntimeException e) {
            log.debug("Could not resolve {}: {}", canonical, e.getMessage());
        }
        if (!what.hasReference()) {
            what.setIdentifier(new Identifier().setSystem(CS_URI).setValue(canonical));
        }
        provenance.addEntity().setRole(Provenance.ProvenanceEntityRole.SOURCE).setWhat(what);
    }

    private static String status(IBaseResource resource) {
        if (resource instanceof CarePlan plan && plan.hasStatus()) {
            return plan.getStatus().toCode();
        }
        if (resource instanceof Goal goal && goal.hasLifecycleStatus()) {
            return goal.getLifecycleStatus().toCode();
        }
        if (resource instanceof Observation observation && observation.hasStatus()) {
            return observation.getStatus().toCode();
        }
        if (resource instanceof org.hl7.fhir.r4.model.CareTeam team && team.hasStatus()) {
            return team.getStatus().toCode();
        }
        return null;
    }
}
