package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.interceptor.auth.AuthorizationInterceptor;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifier;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRuleBuilderRuleOpClassifierFinished;
import ca.uhn.fhir.rest.server.interceptor.auth.PolicyEnum;
import ca.uhn.fhir.rest.server.interceptor.auth.RuleBuilder;
import java.util.ArrayList;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import org.hl7.fhir.instance.model.api.IIdType;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.OperationRights;
import org.rehabfhir.auth.smart.Permission;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;

/**
 * HAPI's {@link AuthorizationInterceptor} with a rule list built per request from the caller's
 * {@link EffectiveRights} (token scopes intersected with realm roles). Default DENY; every list ends in
 * {@code denyAll()}.
 *
 * <ul>
 *   <li>{@code r}: {@code read()} of the type. HAPI checks reads on the response, so resources pulled in by
 *       {@code _include}/{@code _revinclude} must be readable too. Searching needs {@code s} as well, enforced by
 *       {@link SmartInteractionGuardInterceptor} (HAPI's read rules would otherwise allow search).</li>
 *   <li>{@code c} and {@code u}: {@code write()}; {@code c} alone: {@code create()}; {@code u} alone:
 *       {@code write()} with creation refused by the guard.</li>
 *   <li>{@code d}: never (no role has it).</li>
 *   <li>Operations of {@link EffectiveRights#operations()}: those of the role ({@code $apply},
 *       {@code $recommend-regimens}, {@code $evaluate-progress} for physiotherapists; {@code $verify-chain},
 *       {@code $access-log}, {@code $rehab-outcomes} for auditors) whose reads the token's scopes (∩ role) cover,
 *       per {@link OperationRights}: the operations read as the server, so without that check a token with only
 *       {@code openid} could read a record through them. With
 *       CareTeam narrowing, a narrowed caller's operations run on Patient instances of the team only, what they are
 *       about is checked by {@link CareTeamOperationGuardInterceptor}, and type/server-level responses must pass
 *       the (narrowed) read rules.</li>
 *   <li>{@code $everything} (HAPI's): every returned resource must pass the read rules; {@code $export}: HAPI's bulk
 *       export rule with the types the caller may read ({@link ExportScopeInterceptor} narrows the request to them and
 *       marks the files as the caller's).</li>
 *   <li>Transactions and batches: allowed for callers with any right, each entry checked by the normal rules.</li>
 *   <li>With CareTeam narrowing, rules on types in the Patient compartment are limited to
 *       {@code inCompartment("Patient", <the CareTeam's patients>)}; patient-context scopes to the launch
 *       patient's compartment.</li>
 *   <li>{@code read} (and {@code vread}) of {@link #READABLE_BY_ANY_CALLER} ({@code OperationDefinition}, which the
 *       CapabilityStatement points to) for every authenticated caller, whatever its role or scopes; searching or
 *       writing them is not allowed (no search right, no write rule; the guard refuses search and history).</li>
 *   <li>Anonymous: {@code metadata} only.</li>
 * </ul>
 */
@Interceptor
public class SmartAuthorizationInterceptor extends AuthorizationInterceptor {

    private static final Logger log = LoggerFactory.getLogger(SmartAuthorizationInterceptor.class);

    /**
     * Types every authenticated caller may read by id (not search, not write): the server's own API description,
     * which the CapabilityStatement references ({@code OperationDefinition/PlanDefinition-i-apply}, ...).
     */
    public static final Set<String> READABLE_BY_ANY_CALLER = Set.of("OperationDefinition");

    /** HAPI's own operations (not the project's), whose responses must pass the read rules resource by resource. */
    static final Set<String> EXPLICIT_RESPONSE_OPERATIONS = Set.of("$everything");

    private final CareTeamScope careTeam;
    private final Supplier<Optional<CallerContext>> callerSupplier;

    public SmartAuthorizationInterceptor(CareTeamScope careTeam) {
        this(careTeam, RehabSecurityContext::current);
    }

    /** For tests: the caller comes from {@code callerSupplier} instead of Spring's security context. */
    public SmartAuthorizationInterceptor(CareTeamScope careTeam, Supplier<Optional<CallerContext>> callerSupplier) {
        super(PolicyEnum.DENY);
        this.careTeam = careTeam;
        this.callerSupplier = callerSupplier;
    }

    @Override
    public List<IAuthRule> buildRuleList(RequestDetails request) {
        RuleBuilder rules = new RuleBuilder();
        rules.allow("metadata").metadata().andThen();
        Optional<CallerContext> maybeCaller = callerSupplier.get();
        if (maybeCaller.isEmpty()) {
            return rules.denyAll("anonymous: only metadata").build();
        }
        CallerContext caller = maybeCaller.get();
        EffectiveRights rights = caller.rights();
        FhirContext fhir = request.getFhirContext();
        Optional<Set<String>> careTeamPatients = careTeam.patientsFor(caller, request);
        List<IIdType> narrowedTo = careTeamPatients.map(ids -> toIds(fhir, ids)).orElse(null);

        for (String type : READABLE_BY_ANY_CALLER) {
            rules.allow("read " + type + " (any authenticated caller)")
                    .read()
                    .resourcesOfType(type)
                    .withAnyId()
                    .andThen();
        }
        boolean anyResourceRule = addTypeRules(rules, fhir, rights.rights(), narrowedTo, "");
        if (rights.launchPatient() != null) {
            List<IIdType> launch = toIds(fhir, Set.of(rights.launchPatient()));
            anyResourceRule |=
                    addTypeRules(rules, fhir, rights.patientCompartmentRights(), launch, " (launch patient)");
        }
        for (String operation : rights.operations()) {
            if (!OperationRights.coveredBy(operation, rights.rights())) {
                continue; // EffectiveRights already filters; kept here so that no rule is ever made by name alone
            }
            if (EXPLICIT_RESPONSE_OPERATIONS.contains(operation)) {
                // HAPI's own operations return stored resources: each must pass the read rules above
                rules.allow("operation " + operation)
                        .operation()
                        .named(operation)
                        .atAnyLevel()
                        .andRequireExplicitResponseAuthorization()
                        .andThen();
            } else if (narrowedTo == null) {
                rules.allow("operation " + operation)
                        .operation()
                        .named(operation)
                        .atAnyLevel()
                        .andAllowAllResponses()
                        .andThen();
            } else {
                addNarrowedOperationRules(rules, fhir, operation, rights, narrowedTo);
            }
        }
        Set<String> exportable = ExportScopeInterceptor.exportableTypes(fhir, rights);
        if (rights.operations().contains("$export") && !exportable.isEmpty()) {
            // HAPI checks a bulk export when it is initiated: only the types the caller may read (already narrowed to
            // them by ExportScopeInterceptor). Never without types: HAPI's rule would then allow every type.
            rules.allow("bulk export of readable types")
                    .bulkExport()
                    .any()
                    .withResourceTypes(exportable)
                    .andThen();
        }
        if (anyResourceRule) {
            rules.allow("transaction: each entry by the rules above")
                    .transaction()
                    .withAnyOperation()
                    .andApplyNormalRules()
                    .andThen();
        }
        List<IAuthRule> list = rules.denyAll("default deny").build();
        if (log.isDebugEnabled()) {
            log.debug(
                    "Rules for {}: {}",
                    caller.displayName(),
                    list.stream().map(IAuthRule::getName).toList());
        }
        return list;
    }

    /**
     * Operations of a caller narrowed to their CareTeam's patients. On a Patient instance the operation is allowed
     * only for the team's patients ({@code Patient/<other>/$op} is refused before it runs, so not even an
     * OperationOutcome about another patient comes back). On instances of other types the caller can read, the
     * operation is allowed by these rules and {@link CareTeamOperationGuardInterceptor} checks what it is about (the
     * instance's patient, patient parameters such as {@code $apply?subject=}); their responses (draft CarePlans with
     * contained Goals, Parameters) are the operation's own and allowed. At type and server level nothing vouches for
     * the patient beforehand, so every resource of the response must pass the (narrowed) read rules.
     */
    private static void addNarrowedOperationRules(
            RuleBuilder rules, FhirContext fhir, String operation, EffectiveRights rights, List<IIdType> patients) {
        String label = "operation " + operation + " (CareTeam)";
        rules.allow(label + " on the server")
                .operation()
                .named(operation)
                .onServer()
                .andRequireExplicitResponseAuthorization()
                .andThen();
        rules.allow(label + " on a type")
                .operation()
                .named(operation)
                .onAnyType()
                .andRequireExplicitResponseAuthorization()
                .andThen();
        if (!patients.isEmpty()) {
            rules.allow(label + " on the team's patients")
                    .operation()
                    .named(operation)
                    .onInstances(patients)
                    .andAllowAllResponses()
                    .andThen();
        }
        for (Map.Entry<String, Set<Permission>> entry : rights.rights().entrySet()) {
            String type = entry.getKey();
            if ("Patient".equals(type) || !entry.getValue().contains(Permission.READ) || !isKnownType(fhir, type)) {
                continue;
            }
            rules.allow(label + " on " + type + " instances")
                    .operation()
                    .named(operation)
                    .onInstancesOfType(fhir.getResourceDefinition(type).getImplementingClass())
                    .andAllowAllResponses()
                    .andThen();
        }
    }

    /**
     * @param compartment null: any id; else only resources in the compartment of these patients (an empty list means
     *     no rule at all for compartment types)
     */
    private static boolean addTypeRules(
            RuleBuilder rules,
            FhirContext fhir,
            Map<String, Set<Permission>> rights,
            List<IIdType> compartment,
            String label) {
        boolean any = false;
        for (Map.Entry<String, Set<Permission>> entry : rights.entrySet()) {
            String type = entry.getKey();
            Set<Permission> p = entry.getValue();
            if (!isKnownType(fhir, type)) {
                continue;
            }
            List<IIdType> limit = compartment != null && inPatientCompartment(fhir, type) ? compartment : null;
            if (limit != null && limit.isEmpty()) {
                continue; // narrowed to no patient at all: nothing of this type
            }
            if (p.contains(Permission.READ)) {
                finish(classify(rules.allow("read " + type + label).read().resourcesOfType(type), limit));
                any = true;
            }
            if (p.contains(Permission.UPDATE)) {
                // write() covers create and update (and patch); 'u' without 'c' is stopped at creation by the guard
                finish(classify(rules.allow("write " + type + label).write().resourcesOfType(type), limit));
                any = true;
            } else if (p.contains(Permission.CREATE)) {
                finish(classify(rules.allow("create " + type + label).create().resourcesOfType(type), limit));
                any = true;
            }
        }
        return any;
    }

    private static IAuthRuleBuilderRuleOpClassifierFinished classify(
            IAuthRuleBuilderRuleOpClassifier rule, List<IIdType> compartment) {
        return compartment == null ? rule.withAnyId() : rule.inCompartment("Patient", compartment);
    }

    private static void finish(IAuthRuleBuilderRuleOpClassifierFinished rule) {
        rule.andThen();
    }

    static boolean isKnownType(FhirContext fhir, String type) {
        try {
            fhir.getResourceDefinition(type);
            return true;
        } catch (RuntimeException unknown) {
            return false;
        }
    }

    /** Whether the type belongs to the Patient compartment (Patient itself included). */
    static boolean inPatientCompartment(FhirContext fhir, String type) {
        if ("Patient".equals(type)) {
            return true;
        }
        return !fhir.getResourceDefinition(type)
                .getSearchParamsForCompartmentName("Patient")
                .isEmpty();
    }

    private static List<IIdType> toIds(FhirContext fhir, Set<String> patientRefs) {
        List<IIdType> ids = new ArrayList<>();
        for (String ref : patientRefs) {
            IIdType id = fhir.getVersion().newIdType();
            id.setValue(ref.startsWith("Patient/") ? ref : "Patient/" + ref);
            ids.add(id.toUnqualifiedVersionless());
        }
        return ids;
    }
}
