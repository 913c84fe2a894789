package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.function.Supplier;
import java.util.regex.Matcher;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseParameters;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.instance.model.api.IPrimitiveType;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;

/**
 * With CareTeam narrowing: what an operation is ABOUT must be one of the caller's CareTeam patients, checked before
 * the operation runs. HAPI's rules see only the instance an operation is invoked on and its output; operations that
 * read a patient's record as the server (the protocol engine does) and answer with derived data (a Parameters
 * decision, an OperationOutcome of failed screening criteria) would otherwise tell a narrowed physiotherapist about
 * any patient. Refused (403) for a narrowed caller:
 * <ul>
 *   <li>an operation on {@code Patient/<id>} outside the team;</li>
 *   <li>an operation on an instance of another type in the Patient compartment (e.g.
 *       {@code CarePlan/<id>/$evaluate-progress}) whose patients are not all in the team, or that does not exist,
 *       or when no {@link StoredResourceLookup} is available to find out;</li>
 *   <li>an operation with a parameter (query string or {@code Parameters} body) naming a patient outside the team:
 *       any value {@code [...]Patient/<id>}, and a bare id in a parameter named {@code subject} or
 *       {@code patient}.</li>
 * </ul>
 */
@Interceptor
public class CareTeamOperationGuardInterceptor {

    private static final Pattern PATIENT_REF =
            Pattern.compile("(?:^|/)Patient/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]*)?$");
    private static final Set<String> PATIENT_PARAMETERS = Set.of("subject", "patient");

    private final CareTeamScope careTeam;
    private final StoredResourceLookup lookup;
    private final Supplier<Optional<CallerContext>> callerSupplier;

    public CareTeamOperationGuardInterceptor(CareTeamScope careTeam, StoredResourceLookup lookup) {
        this(careTeam, lookup, RehabSecurityContext::current);
    }

    public CareTeamOperationGuardInterceptor(
            CareTeamScope careTeam, StoredResourceLookup lookup, Supplier<Optional<CallerContext>> callerSupplier) {
        this.careTeam = careTeam;
        this.lookup = lookup;
        this.callerSupplier = callerSupplier;
    }

    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLED)
    public void check(RequestDetails request, RestOperationTypeEnum operation) {
        if (operation != RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE
                && operation != RestOperationTypeEnum.EXTENDED_OPERATION_TYPE
                && operation != RestOperationTypeEnum.EXTENDED_OPERATION_SERVER) {
            return;
        }
        Optional<CallerContext> caller = callerSupplier.get();
        if (caller.isEmpty()) {
            return;
        }
        Optional<Set<String>> team = careTeam.patientsFor(caller.get(), request);
        if (team.isEmpty()) {
            return; // not narrowed
        }
        FhirContext fhir = request.getFhirContext();
        if (operation == RestOperationTypeEnum.EXTENDED_OPERATION_INSTANCE) {
            checkInstance(fhir, request.getId(), team.get());
        }
        Map<String, String[]> params = request.getParameters();
        if (params != null) {
            params.forEach((name, values) -> {
                for (String value : values) {
                    checkValue(name, value, team.get());
                }
            });
        }
        if (request.getResource() instanceof IBaseParameters parameters) {
            checkParametersBody(fhir, parameters, team.get());
        }
    }

    private void checkInstance(FhirContext fhir, IIdType id, Set<String> team) {
        if (id == null || !id.hasIdPart() || !id.hasResourceType()) {
            return;
        }
        String type = id.getResourceType();
        if ("Patient".equals(type)) {
            requireInTeam("Patient/" + id.getIdPart(), team);
            return;
        }
        if (!SmartAuthorizationInterceptor.isKnownType(fhir, type)
                || !SmartAuthorizationInterceptor.inPatientCompartment(fhir, type)) {
            return; // e.g. PlanDefinition: about no patient (its parameters are checked)
        }
        if (lookup == null) {
            throw refused(type + "/" + id.getIdPart());
        }
        IBaseResource resource =
                lookup.find(id.toUnqualifiedVersionless()).orElseThrow(() -> refused(type + "/" + id.getIdPart()));
        // only Patient references: a CarePlan's performer or a referral's performer (Practitioner, Organization) is
        // also a compartment "owner" to HAPI's terser, but names no patient
        List<IIdType> owners =
                fhir.newTerser().getCompartmentOwnersForResource("Patient", resource, (Set<String>) null).stream()
                        .filter(owner -> "Patient".equals(owner.getResourceType()))
                        .toList();
        if (owners.isEmpty()) {
            throw refused(type + "/" + id.getIdPart());
        }
        for (IIdType owner : owners) {
            requireInTeam("Patient/" + owner.getIdPart(), team);
        }
    }

    private void checkParametersBody(FhirContext fhir, IBaseParameters parameters, Set<String> team) {
        for (IPrimitiveType<?> primitive :
                fhir.newTerser().getAllPopulatedChildElementsOfType(parameters, IPrimitiveType.class)) {
            String value = primitive.getValueAsString();
            if (value != null) {
                checkValue("", value, team);
            }
        }
        // named parameters whose value is a bare id
        for (String name : PATIENT_PARAMETERS) {
            for (String value :
                    ca.uhn.fhir.util.ParametersUtil.getNamedParameterValuesAsString(fhir, parameters, name)) {
                checkValue(name, value, team);
            }
        }
    }

    private void checkValue(String name, String value, Set<String> team) {
        if (value == null || value.isBlank()) {
            return;
        }
        for (String part : value.split(",")) {
            String v = part.trim();
            Matcher m = PATIENT_REF.matcher(v);
            if (m.find()) {
                requireInTeam("Patient/" + m.group(1), team);
            } else if (PATIENT_PARAMETERS.contains(name) && !v.contains("/") && !v.isEmpty()) {
                requireInTeam("Patient/" + v, team);
            }
        }
    }

    private static void requireInTeam(String patient, Set<String> team) {
        if (!team.contains(patient)) {
            throw refused(patient);
        }
    }

    private static ForbiddenOperationException refused(String what) {
        return new ForbiddenOperationException(
                "Access denied: " + what + " is not a patient of your CareTeam (or not about one)");
    }
}
