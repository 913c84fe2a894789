package org.rehabfhir.auth.authorization;

import static org.assertj.core.api.Assertions.assertThat;
import static org.assertj.core.api.Assertions.assertThatThrownBy;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.server.RestfulServer;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import ca.uhn.fhir.rest.server.interceptor.auth.IAuthRule;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.stream.Stream;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.CarePlan;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.Observation;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.junit.jupiter.api.BeforeEach;
import org.junit.jupiter.api.Test;
import org.junit.jupiter.params.ParameterizedTest;
import org.junit.jupiter.params.provider.Arguments;
import org.junit.jupiter.params.provider.MethodSource;
import org.rehabfhir.auth.jwt.CallerContext;
import org.springframework.mock.web.MockHttpServletRequest;

/**
 * The role x resource x interaction matrix, through the real HAPI hooks of {@link SmartAuthorizationInterceptor}
 * and {@link SmartInteractionGuardInterceptor} (no server, no database).
 */
class SmartAuthorizationInterceptorTest {

    static final FhirContext FHIR = FhirContext.forR4Cached();
    static final RestfulServer SERVER = new RestfulServer(FHIR);
    static final List<String> TYPES = List.of(
            "Patient",
            "Condition",
            "CarePlan",
            "Goal",
            "Observation",
            "PlanDefinition",
            "ActivityDefinition",
            "AuditEvent",
            "Provenance",
            "Practitioner",
            "CareTeam");

    final Callers.Current current = new Callers.Current();
    final SmartAuthorizationInterceptor authz =
            new SmartAuthorizationInterceptor(new CareTeamScope(false, null), current);
    final SmartInteractionGuardInterceptor guard = new SmartInteractionGuardInterceptor(current);

    @BeforeEach
    void reset() {
        current.set(null);
    }

    enum Interaction {
        READ('r'),
        CREATE('c'),
        UPDATE('u'),
        DELETE('d'),
        SEARCH('s');
        final char letter;

        Interaction(char letter) {
            this.letter = letter;
        }
    }

    /** The expected matrix: the letters each caller has per type (everything else denied). */
    static final Map<String, Map<String, String>> EXPECTED = Map.of(
            "alice",
                    Map.of(
                            "Patient",
                            "rs",
                            "Condition",
                            "rs",
                            "CarePlan",
                            "crus",
                            "Goal",
                            "crus",
                            "Observation",
                            "crus",
                            "PlanDefinition",
                            "rs",
                            "ActivityDefinition",
                            "rs",
                            "CareTeam",
                            "rs"),
            "audrey", Map.of("Observation", "rs", "CarePlan", "rs", "AuditEvent", "rs", "Provenance", "rs"),
            "hospital",
                    Map.of(
                            "Patient",
                            "crus",
                            "Condition",
                            "crus",
                            "Observation",
                            "crs",
                            "CarePlan",
                            "rs",
                            "CareTeam",
                            "crus"),
            "jwt", Map.of("Patient", "crus", "Observation", "crs"),
            "anonymous", Map.of());

    static CallerContext callerNamed(String name) {
        return switch (name) {
            case "alice" -> Callers.alice();
            case "audrey" -> Callers.audrey();
            case "hospital" -> Callers.hospital();
            case "jwt" -> Callers.jwtClient();
            default -> null;
        };
    }

    static Stream<Arguments> matrix() {
        return EXPECTED.keySet().stream().sorted().flatMap(caller -> TYPES.stream()
                .flatMap(type -> Stream.of(Interaction.values()).map(i -> Arguments.of(caller, type, i))));
    }

    @ParameterizedTest(name = "{0} {2} {1}")
    @MethodSource("matrix")
    void grantsExactlyTheMatrix(String callerName, String type, Interaction interaction) {
        current.set(callerNamed(callerName));
        boolean expected = EXPECTED.get(callerName).getOrDefault(type, "").indexOf(interaction.letter) >= 0;
        assertThat(allowed(type, interaction))
                .as("%s %s %s", callerName, interaction, type)
                .isEqualTo(expected);
    }

    @Test
    void everyRuleListEndsInDenyAll() {
        for (String name : EXPECTED.keySet()) {
            current.set(callerNamed(name));
            List<IAuthRule> rules = authz.buildRuleList(request(RestOperationTypeEnum.METADATA, null));
            assertThat(rules).isNotEmpty();
            assertThat(rules.get(rules.size() - 1).getName()).as(name).isIn("default deny", "anonymous: only metadata");
            assertThat(rules).extracting(IAuthRule::getName).noneMatch(n -> n.startsWith("delete"));
        }
    }

    @Test
    void anonymousGetsMetadataOnly() {
        List<IAuthRule> rules = authz.buildRuleList(request(RestOperationTypeEnum.METADATA, null));
        assertThat(rules).extracting(IAuthRule::getName).containsExactly("metadata", "anonymous: only metadata");
        authz.incomingRequestPreHandled(
                request(RestOperationTypeEnum.METADATA, null), Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
    }

    @Test
    void readWithoutSearchCannotSearch() {
        current.set(Callers.caller("x", "Practitioner/x", "user/Observation.r", "physiotherapist"));
        assertThat(allowed("Observation", Interaction.READ)).isTrue();
        assertThat(allowed("Observation", Interaction.SEARCH)).isFalse();
    }

    @Test
    void searchNeedsSearchOnHasAndTypedChainTargets() {
        current.set(Callers.hospital()); // Patient crus, Observation crs, no Goal
        ServletRequestDetails ok = request(RestOperationTypeEnum.SEARCH_TYPE, "Patient");
        ok.setParameters(Map.of("_has:Observation:subject:code", new String[] {"x"}));
        guard.check(ok, RestOperationTypeEnum.SEARCH_TYPE);

        ServletRequestDetails has = request(RestOperationTypeEnum.SEARCH_TYPE, "Patient");
        has.setParameters(Map.of("_has:Goal:patient:status", new String[] {"active"}));
        assertThatThrownBy(() -> guard.check(has, RestOperationTypeEnum.SEARCH_TYPE))
                .isInstanceOf(ForbiddenOperationException.class);

        ServletRequestDetails chain = request(RestOperationTypeEnum.SEARCH_TYPE, "Observation");
        chain.setParameters(Map.of("subject:Group.name", new String[] {"x"}));
        assertThatThrownBy(() -> guard.check(chain, RestOperationTypeEnum.SEARCH_TYPE))
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void systemLevelSearchAndHistoryAreRefused() {
        current.set(Callers.alice());
        for (RestOperationTypeEnum op :
                List.of(RestOperationTypeEnum.SEARCH_SYSTEM, RestOperationTypeEnum.HISTORY_SYSTEM)) {
            assertThatThrownBy(() -> guard.check(request(op, null), op))
                    .isInstanceOf(ForbiddenOperationException.class);
        }
    }

    @Test
    void conditionalCreateNeedsSearch() {
        // c without s on Goal: a conditional create would reveal whether a matching Goal exists
        current.set(Callers.caller("alice", "Practitioner/alice", "openid user/Goal.cru", "physiotherapist"));
        ServletRequestDetails create = request(RestOperationTypeEnum.CREATE, "Goal");
        create.setRequestType(RequestTypeEnum.POST);
        ((MockHttpServletRequest) create.getServletRequest()).addHeader("If-None-Exist", "identifier=abc");
        create.setResource(new org.hl7.fhir.r4.model.Goal());
        assertThatThrownBy(() -> guard.check(create, RestOperationTypeEnum.CREATE))
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void operationsFollowTheRole() {
        current.set(Callers.alice());
        assertThat(operationAllowed("$apply", "PlanDefinition")).isTrue();
        assertThat(operationAllowed("$recommend-regimens", "Patient")).isTrue();
        assertThat(operationAllowed("$evaluate-progress", "CarePlan")).isTrue();
        assertThat(operationAllowed("$everything", "Patient")).isFalse();
        assertThat(operationAllowed("$verify-chain", "AuditEvent")).isFalse();
        current.set(Callers.audrey());
        assertThat(operationAllowed("$verify-chain", "AuditEvent")).isTrue();
        assertThat(operationAllowed("$access-log", "Patient")).isTrue();
        assertThat(operationAllowed("$apply", "PlanDefinition")).isFalse();
        current.set(Callers.hospital());
        assertThat(operationAllowed("$everything", "Patient")).isTrue(); // the EHR's record back (types narrowed)
        assertThat(operationAllowed("$apply", "PlanDefinition")).isFalse();
    }

    @Test
    void operationsNeedTheScopesOfWhatTheyRead() {
        // role present, only openid: no operation (the engine and the audit store read as the server)
        current.set(Callers.caller("alice", "Practitioner/alice", "openid", "physiotherapist"));
        assertThat(operationAllowed("$recommend-regimens", "Patient")).isFalse();
        assertThat(instanceOperationAllowed(authz, "$recommend-regimens", "Patient/p1"))
                .isFalse();
        assertThat(operationAllowed("$apply", "PlanDefinition")).isFalse();
        assertThat(operationAllowed("$evaluate-progress", "CarePlan")).isFalse();
        current.set(Callers.caller("audrey", "Practitioner/audrey", "openid", "auditor"));
        assertThat(operationAllowed("$verify-chain", "AuditEvent")).isFalse();
        assertThat(instanceOperationAllowed(authz, "$access-log", "Patient/p1")).isFalse();
        assertThat(operationAllowed("$rehab-outcomes", null)).isFalse();

        // one needed scope missing: refused; the other operations of the token stay
        current.set(Callers.caller(
                "alice",
                "Practitioner/alice",
                "openid user/Patient.rs user/Condition.rs user/Observation.crus user/CarePlan.cru user/Goal.r",
                "physiotherapist"));
        assertThat(operationAllowed("$apply", "PlanDefinition")).isFalse(); // no PlanDefinition
        assertThat(operationAllowed("$recommend-regimens", "Patient")).isTrue();
        assertThat(operationAllowed("$evaluate-progress", "CarePlan")).isTrue();
        current.set(Callers.caller("audrey", "Practitioner/audrey", "openid user/AuditEvent.r", "auditor"));
        assertThat(operationAllowed("$verify-chain", "AuditEvent")).isTrue();
        assertThat(instanceOperationAllowed(authz, "$access-log", "Patient/p1")).isFalse(); // a search: needs s
        assertThat(operationAllowed("$rehab-outcomes", null)).isFalse();

        // the full scopes: all of the role's operations
        current.set(Callers.audrey());
        assertThat(instanceOperationAllowed(authz, "$access-log", "Patient/p1")).isTrue();
        assertThat(operationAllowed("$rehab-outcomes", null)).isTrue();
    }

    @Test
    void anyAuthenticatedCallerMayReadOperationDefinitionsButNotSearchOrWriteThem() {
        List<CallerContext> callers = List.of(
                Callers.alice(),
                Callers.audrey(),
                Callers.hospital(),
                Callers.jwtClient(),
                Callers.caller("alice", "Practitioner/alice", "openid", "physiotherapist"),
                Callers.caller("nobody", null, "openid"));
        for (CallerContext caller : callers) {
            current.set(caller);
            assertThat(allowed("OperationDefinition", Interaction.READ))
                    .as("read %s", caller)
                    .isTrue();
            assertThat(allowed("OperationDefinition", Interaction.SEARCH))
                    .as("search %s", caller)
                    .isFalse();
            assertThat(allowed("OperationDefinition", Interaction.CREATE))
                    .as("create %s", caller)
                    .isFalse();
            assertThat(allowed("OperationDefinition", Interaction.UPDATE))
                    .as("update %s", caller)
                    .isFalse();
            assertThat(allowed("OperationDefinition", Interaction.DELETE))
                    .as("delete %s", caller)
                    .isFalse();
            ServletRequestDetails history = request(RestOperationTypeEnum.HISTORY_INSTANCE, "OperationDefinition");
            history.setId(new IdType("OperationDefinition", "PlanDefinition-i-apply"));
            assertThatThrownBy(() -> guard.check(history, RestOperationTypeEnum.HISTORY_INSTANCE))
                    .isInstanceOf(ForbiddenOperationException.class);
        }
        current.set(null);
        assertThat(allowed("OperationDefinition", Interaction.READ))
                .as("anonymous")
                .isFalse();
        // the exemption is for OperationDefinition only
        current.set(Callers.caller("alice", "Practitioner/alice", "openid", "physiotherapist"));
        assertThat(allowed("StructureDefinition", Interaction.READ)).isFalse();
        assertThat(allowed("Patient", Interaction.READ)).isFalse();
    }

    @Test
    void transactionsAreCheckedEntryByEntry() {
        current.set(Callers.alice());
        assertThat(transactionAllowed(entry(Bundle.HTTPVerb.POST, "Observation", new Observation())))
                .isTrue();
        assertThat(transactionAllowed(
                        entry(Bundle.HTTPVerb.POST, "Observation", new Observation()),
                        entry(Bundle.HTTPVerb.DELETE, "Patient/1", null)))
                .isFalse();
        assertThat(transactionAllowed(entry(Bundle.HTTPVerb.POST, "Patient", new Patient())))
                .isFalse();
        assertThat(transactionAllowed(entry(Bundle.HTTPVerb.GET, "AuditEvent?patient=1", null)))
                .isFalse();
        current.set(Callers.audrey());
        assertThat(transactionAllowed(entry(Bundle.HTTPVerb.POST, "Observation", new Observation())))
                .isFalse();
        assertThat(transactionAllowed(entry(Bundle.HTTPVerb.GET, "Observation?patient=1", null)))
                .isTrue();
        current.set(null);
        assertThat(transactionAllowed(entry(Bundle.HTTPVerb.GET, "Observation?patient=1", null)))
                .isFalse();
    }

    @Test
    void responsesAreCheckedSoIncludesCannotLeak() {
        // auditor may search Observation but not read Patient: a Patient pulled in by _include is refused
        current.set(Callers.audrey());
        ServletRequestDetails search = request(RestOperationTypeEnum.SEARCH_TYPE, "Observation");
        Bundle page = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        page.addEntry().setResource(new Observation().setId("Observation/1"));
        page.addEntry().setResource(new Patient().setId("Patient/1"));
        assertThatThrownBy(() -> authz.hookOutgoingResponse(search, page, Pointcut.SERVER_OUTGOING_RESPONSE))
                .isInstanceOf(ForbiddenOperationException.class);

        Bundle clean = new Bundle().setType(Bundle.BundleType.SEARCHSET);
        clean.addEntry().setResource(new Observation().setId("Observation/1"));
        authz.hookOutgoingResponse(
                request(RestOperationTypeEnum.SEARCH_TYPE, "Observation"), clean, Pointcut.SERVER_OUTGOING_RESPONSE);
    }

    @Test
    void careTeamNarrowingLimitsCompartmentTypesToTheTeamsPatients() {
        CareTeamScope scope = new CareTeamScope(
                true,
                practitioner -> "Practitioner/alice".equals(practitioner) ? Set.of("p1", "Patient/p2") : Set.of());
        SmartAuthorizationInterceptor narrowed = new SmartAuthorizationInterceptor(scope, current);
        current.set(Callers.alice());

        assertThat(readAllowed(narrowed, new Patient().setId("Patient/p1"))).isTrue();
        assertThat(readAllowed(narrowed, new Patient().setId("Patient/p3"))).isFalse();
        assertThat(readAllowed(narrowed, observationOf("p2"))).isTrue();
        assertThat(readAllowed(narrowed, observationOf("p3"))).isFalse();
        assertThat(readAllowed(
                        narrowed,
                        new CarePlan().setSubject(new Reference("Patient/p3")).setId("CarePlan/9")))
                .isFalse();
        // not in the Patient compartment: unaffected
        assertThat(readAllowed(narrowed, new org.hl7.fhir.r4.model.PlanDefinition().setId("PlanDefinition/bw")))
                .isTrue();
        // writes too
        ServletRequestDetails create = request(RestOperationTypeEnum.CREATE, "Observation");
        Observation foreign = (Observation) observationOf("p3").setId((String) null);
        create.setResource(foreign);
        assertThatThrownBy(
                        () -> narrowed.incomingRequestPreHandled(create, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED))
                .isInstanceOf(ForbiddenOperationException.class);

        // a physiotherapist without CareTeam sees no patient data at all
        current.set(Callers.caller("bob", "Practitioner/bob", Callers.PHYSIO_SCOPES, "physiotherapist"));
        assertThat(readAllowed(narrowed, new Patient().setId("Patient/p1"))).isFalse();

        // auditors and EHR systems are not narrowed
        current.set(Callers.audrey());
        assertThat(readAllowed(narrowed, observationOf("p3"))).isTrue();
        current.set(Callers.hospital());
        assertThat(readAllowed(narrowed, new Patient().setId("Patient/p3"))).isTrue();
    }

    @Test
    void careTeamNarrowingLimitsInstanceOperationsToTheTeamsPatients() {
        CareTeamScope scope = new CareTeamScope(
                true, practitioner -> "Practitioner/alice".equals(practitioner) ? Set.of("p1") : Set.of());
        SmartAuthorizationInterceptor narrowed = new SmartAuthorizationInterceptor(scope, current);
        current.set(Callers.alice());

        assertThat(instanceOperationAllowed(narrowed, "$recommend-regimens", "Patient/p1"))
                .isTrue();
        assertThat(instanceOperationAllowed(narrowed, "$recommend-regimens", "Patient/p3"))
                .isFalse();
        assertThat(instanceOperationAllowed(narrowed, "$everything", "Patient/p1"))
                .isFalse();
        // instances outside the Patient compartment, and of compartment types (their output is checked)
        assertThat(instanceOperationAllowed(narrowed, "$apply", "PlanDefinition/bw"))
                .isTrue();
        assertThat(instanceOperationAllowed(narrowed, "$evaluate-progress", "CarePlan/9"))
                .isTrue();

        // a physiotherapist without CareTeam patients: no Patient instance at all
        current.set(Callers.caller("bob", "Practitioner/bob", Callers.PHYSIO_SCOPES, "physiotherapist"));
        assertThat(instanceOperationAllowed(narrowed, "$recommend-regimens", "Patient/p1"))
                .isFalse();

        // not narrowed: unchanged
        current.set(Callers.alice());
        assertThat(instanceOperationAllowed(authz, "$recommend-regimens", "Patient/p3"))
                .isTrue();
    }

    @Test
    void careTeamNarrowingChecksWhatATypeLevelOperationReturnsAndReads() {
        // At type level nothing vouches for the patient beforehand: every resource out must pass the read rules.
        CareTeamScope scope = new CareTeamScope(true, practitioner -> Set.of("p1"));
        SmartAuthorizationInterceptor narrowed = new SmartAuthorizationInterceptor(scope, current);
        current.set(Callers.alice());
        CarePlan mine = (CarePlan)
                new CarePlan().setSubject(new Reference("Patient/p1")).setId("CarePlan/1");
        CarePlan theirs = (CarePlan)
                new CarePlan().setSubject(new Reference("Patient/p3")).setId("CarePlan/3");

        assertThat(typeOperationResponseAllowed(narrowed, "PlanDefinition", "$apply", mine))
                .isTrue();
        assertThat(typeOperationResponseAllowed(narrowed, "PlanDefinition", "$apply", theirs))
                .isFalse();
        Bundle candidates = new Bundle().setType(Bundle.BundleType.COLLECTION);
        candidates.addEntry().setResource(theirs);
        assertThat(typeOperationResponseAllowed(narrowed, "Patient", "$recommend-regimens", candidates))
                .isFalse();
        Bundle own = new Bundle().setType(Bundle.BundleType.COLLECTION);
        own.addEntry().setResource(mine);
        assertThat(typeOperationResponseAllowed(narrowed, "Patient", "$recommend-regimens", own))
                .isTrue();

        // a resource the operation reads through the DAO with this request (STORAGE_PRESHOW_RESOURCES)
        ServletRequestDetails read = request(RestOperationTypeEnum.EXTENDED_OPERATION_TYPE, "Patient");
        read.setOperation("$recommend-regimens");
        narrowed.incomingRequestPreHandled(read, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
        assertThatThrownBy(() -> narrowed.hookPreShow(
                        read,
                        new ca.uhn.fhir.rest.api.server.SimplePreResourceShowDetails(theirs),
                        Pointcut.STORAGE_PRESHOW_RESOURCES))
                .isInstanceOf(ForbiddenOperationException.class);
    }

    @Test
    void careTeamNarrowingNeedsALookup() {
        assertThatThrownBy(() -> new CareTeamScope(true, null)).isInstanceOf(IllegalStateException.class);
    }

    @Test
    void searchNarrowingAddsTheCompartments() {
        CareTeamScope scope = new CareTeamScope(true, practitioner -> Set.of("p1"));
        CareTeamSearchNarrowingInterceptor narrowing = new CareTeamSearchNarrowingInterceptor(scope, current);
        current.set(Callers.alice());
        assertThat(narrowing.buildAuthorizedList(request(RestOperationTypeEnum.SEARCH_TYPE, "Observation")))
                .isNotNull();
        current.set(Callers.audrey());
        assertThat(narrowing.buildAuthorizedList(request(RestOperationTypeEnum.SEARCH_TYPE, "Observation")))
                .isNull();
    }

    // -------------------------------------------------------------------------------------------------- helpers

    private static Observation observationOf(String patient) {
        Observation o = new Observation();
        o.setSubject(new Reference("Patient/" + patient));
        o.setId("Observation/o-" + patient);
        return o;
    }

    private boolean readAllowed(SmartAuthorizationInterceptor interceptor, IBaseResource resource) {
        ServletRequestDetails read = request(RestOperationTypeEnum.READ, FHIR.getResourceType(resource));
        read.setId(resource.getIdElement());
        try {
            interceptor.incomingRequestPreHandled(read, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            interceptor.hookOutgoingResponse(read, resource, Pointcut.SERVER_OUTGOING_RESPONSE);
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    private boolean allowed(String type, Interaction interaction) {
        ServletRequestDetails request;
        RestOperationTypeEnum op;
        IBaseResource resource = FHIR.getResourceDefinition(type).newInstance();
        switch (interaction) {
            case READ -> {
                op = RestOperationTypeEnum.READ;
                request = request(op, type);
                request.setId(new IdType(type, "1"));
            }
            case SEARCH -> {
                op = RestOperationTypeEnum.SEARCH_TYPE;
                request = request(op, type);
            }
            case CREATE -> {
                op = RestOperationTypeEnum.CREATE;
                request = request(op, type);
                request.setResource(resource);
            }
            case UPDATE -> {
                op = RestOperationTypeEnum.UPDATE;
                request = request(op, type);
                resource.setId(type + "/1");
                request.setId(new IdType(type, "1"));
                request.setResource(resource);
            }
            default -> {
                op = RestOperationTypeEnum.DELETE;
                request = request(op, type);
                request.setId(new IdType(type, "1"));
            }
        }
        try {
            guard.check(request, op);
            authz.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            if (op == RestOperationTypeEnum.CREATE || op == RestOperationTypeEnum.UPDATE) {
                authz.hookResourcePreCreate(request, resource, Pointcut.STORAGE_PRESTORAGE_RESOURCE_CREATED);
            }
            if (op == RestOperationTypeEnum.READ) {
                resource.setId(type + "/1");
                authz.hookOutgoingResponse(request, resource, Pointcut.SERVER_OUTGOING_RESPONSE);
            }
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    private static ServletRequestDetails operationRequest(String instance, String name) {
        IdType id = new IdType(instance);
        ServletRequestDetails request =
                request(RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE, id.getResourceType());
        request.setId(id);
        request.setOperation(name);
        request.setRequestType(RequestTypeEnum.POST);
        return request;
    }

    private boolean instanceOperationAllowed(SmartAuthorizationInterceptor interceptor, String name, String instance) {
        ServletRequestDetails request = operationRequest(instance, name);
        try {
            guard.check(request, RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE);
            interceptor.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    private static boolean typeOperationResponseAllowed(
            SmartAuthorizationInterceptor interceptor, String type, String name, IBaseResource response) {
        ServletRequestDetails request = request(RestOperationTypeEnum.EXTENDED_OPERATION_TYPE, type);
        request.setOperation(name);
        try {
            interceptor.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            interceptor.hookOutgoingResponse(request, response, Pointcut.SERVER_OUTGOING_RESPONSE);
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    /** A type-level operation, or a server-level one when {@code type} is null. */
    private boolean operationAllowed(String name, String type) {
        RestOperationTypeEnum op = type == null
                ? RestOperationTypeEnum.EXTENDED_OPERATION_SERVER
                : RestOperationTypeEnum.EXTENDED_OPERATION_TYPE;
        ServletRequestDetails request = request(op, type);
        request.setOperation(name);
        try {
            guard.check(request, op);
            authz.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    @Test
    void everyEntryOutsideTheContractIsNamedInOneRefusal() {
        current.set(Callers.hospital());
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        bundle.addEntry(entry(Bundle.HTTPVerb.POST, "Patient", new org.hl7.fhir.r4.model.Patient()));
        bundle.addEntry(entry(Bundle.HTTPVerb.POST, "Claim", new org.hl7.fhir.r4.model.Claim()));
        bundle.addEntry(entry(Bundle.HTTPVerb.PUT, "Immunization/i1", new org.hl7.fhir.r4.model.Immunization()));
        ServletRequestDetails request = request(RestOperationTypeEnum.TRANSACTION, null);
        request.setResource(bundle);
        assertThatThrownBy(() -> guard.check(request, RestOperationTypeEnum.TRANSACTION))
                .isInstanceOfSatisfying(ForbiddenOperationException.class, e -> assertThat(
                                ((org.hl7.fhir.r4.model.OperationOutcome) e.getOperationOutcome()).getIssue())
                        .extracting(
                                org.hl7.fhir.r4.model.OperationOutcome.OperationOutcomeIssueComponent::getDiagnostics)
                        .anyMatch(d -> d.startsWith("Bundle.entry[1] POST Claim"))
                        .anyMatch(d -> d.startsWith("Bundle.entry[2] PUT Immunization"))
                        .noneMatch(d -> d.startsWith("Bundle.entry[0]")));
    }

    private static Bundle.BundleEntryComponent entry(Bundle.HTTPVerb verb, String url, IBaseResource resource) {
        Bundle.BundleEntryComponent e = new Bundle.BundleEntryComponent();
        e.getRequest().setMethod(verb).setUrl(url);
        if (resource != null) {
            e.setResource((org.hl7.fhir.r4.model.Resource) resource);
        }
        return e;
    }

    private boolean transactionAllowed(Bundle.BundleEntryComponent... entries) {
        Bundle bundle = new Bundle().setType(Bundle.BundleType.TRANSACTION);
        for (Bundle.BundleEntryComponent e : entries) {
            bundle.addEntry(e);
        }
        ServletRequestDetails request = request(RestOperationTypeEnum.TRANSACTION, null);
        request.setResource(bundle);
        try {
            guard.check(request, RestOperationTypeEnum.TRANSACTION);
            authz.incomingRequestPreHandled(request, Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED);
            return true;
        } catch (ForbiddenOperationException e) {
            return false;
        }
    }

    static ServletRequestDetails request(RestOperationTypeEnum op, String type) {
        ServletRequestDetails request = new ServletRequestDetails();
        request.setServer(SERVER);
        request.setServletRequest(new MockHttpServletRequest());
        request.setRestOperationType(op);
        request.setResourceName(type);
        request.setParameters(new HashMap<>());
        request.setRequestType(RequestTypeEnum.GET);
        return request;
    }
}
