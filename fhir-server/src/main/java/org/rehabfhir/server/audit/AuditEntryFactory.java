package org.rehabfhir.server.audit;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.context.RuntimeSearchParam;
import ca.uhn.fhir.rest.api.RequestTypeEnum;
import ca.uhn.fhir.rest.api.RestOperationTypeEnum;
import ca.uhn.fhir.rest.api.RestSearchParameterTypeEnum;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.server.servlet.ServletRequestDetails;
import ca.uhn.fhir.rest.server.util.ISearchParamRegistry;
import ca.uhn.fhir.util.FhirTerser;
import jakarta.servlet.http.HttpServletRequest;
import java.time.Instant;
import java.time.temporal.ChronoUnit;
import java.util.ArrayList;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Map;
import java.util.Set;
import java.util.regex.Pattern;
import org.hl7.fhir.instance.model.api.IBaseResource;
import org.hl7.fhir.instance.model.api.IIdType;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.Bundle;
import org.hl7.fhir.r4.model.OperationOutcome;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.Resource;
import org.hl7.fhir.r4.model.StringType;
import org.slf4j.Logger;
import org.slf4j.LoggerFactory;
import org.springframework.beans.factory.ObjectProvider;
import org.springframework.stereotype.Component;

/** Turns a request (HAPI's, or a raw servlet request rejected before HAPI) into an {@link AuditEntry}. */
@Component
public class AuditEntryFactory {

    private static final Logger log = LoggerFactory.getLogger(AuditEntryFactory.class);
    /** At most this many patient and resource references per event (a search page holds at most 200). */
    static final int MAX_REFS = 250;

    private static final Pattern SYSTEM = Pattern.compile("[A-Za-z0-9._:/#\\-]{1,200}");
    private static final Pattern CODE = Pattern.compile("[A-Za-z0-9._\\-]{1,64}");
    private static final Set<String> PATIENT_PARAMS = Set.of("patient", "subject", "beneficiary");

    private final FhirContext fhirContext;
    private final AuditProperties properties;
    private final PurposeOfUseInterceptor purposes;
    private final ObjectProvider<ISearchParamRegistry> searchParams;

    /**
     * @param searchParams the server's active search parameters (its own too: engine.TextCandidateIndex), asked at
     *     use; without one, the FhirContext's built-in parameters
     */
    public AuditEntryFactory(
            FhirContext fhirContext,
            AuditProperties properties,
            PurposeOfUseInterceptor purposes,
            ObjectProvider<ISearchParamRegistry> searchParams) {
        this.fhirContext = fhirContext;
        this.properties = properties;
        this.purposes = purposes;
        this.searchParams = searchParams;
    }

    /** Only codes of the HL7 PurposeOfUse value set are stored (a refused request's header is not). */
    private List<String> acceptedPurposes(List<String> headerValues) {
        return purposeOfUse(headerValues).stream().filter(purposes::accepts).toList();
    }

    /** A request HAPI handled: {@code response} is what it answers (may be null), {@code status} the HTTP status. */
    public AuditEntry fromHapi(RequestDetails request, IBaseResource response, int status, String description) {
        Set<String> patients = new LinkedHashSet<>();
        Set<String> resources = new LinkedHashSet<>();
        String type = request.getResourceName();
        IIdType id = request.getId();
        if (type != null && id != null && id.hasIdPart()) {
            String ref = type + "/" + id.getIdPart();
            resources.add(ref);
            if ("Patient".equals(type)) {
                patients.add(ref);
            }
        }
        patientsFromParameters(type, request.getParameters(), patients);
        IBaseResource input = request.getResource();
        if (input != null) {
            collect(input, patients, resources, false);
        }
        if (response != null && !(response instanceof OperationOutcome)) {
            collect(response, patients, resources, true);
        }
        HttpServletRequest servlet = request instanceof ServletRequestDetails s ? s.getServletRequest() : null;
        String method =
                request.getRequestType() != null ? request.getRequestType().name() : null;
        String path = request.getRequestPath();
        String query = servlet != null ? servlet.getQueryString() : null;
        return new AuditEntry(
                now(),
                interaction(
                        request.getRestOperationType(), method, request.getResourceName(), id, request.getResource()),
                status,
                description,
                AuditAgent.current(),
                servlet != null ? servlet.getRemoteAddr() : null,
                acceptedPurposes(request.getHeaders(properties.getPurposeOfUseHeader())),
                limit(patients),
                limit(resources),
                method,
                path,
                query,
                request.getOperation());
    }

    /** A request the security layer rejected before HAPI saw it (401, 413, HTTP-level 403). */
    public AuditEntry fromRejected(HttpServletRequest request, int status, String reason, String fhirBasePath) {
        String uri = request.getRequestURI() == null ? "" : request.getRequestURI();
        String context = request.getContextPath() == null ? "" : request.getContextPath();
        String path = uri.startsWith(context) ? uri.substring(context.length()) : uri;
        if (path.startsWith(fhirBasePath + "/")) {
            path = path.substring(fhirBasePath.length() + 1);
        } else if (path.equals(fhirBasePath)) {
            path = "";
        }
        Set<String> patients = new LinkedHashSet<>();
        Set<String> resources = new LinkedHashSet<>();
        String[] segments = path.split("/");
        String type = segments.length > 0 && !segments[0].isEmpty() && Character.isUpperCase(segments[0].charAt(0))
                ? segments[0]
                : null;
        String idPart = segments.length > 1 && !segments[1].startsWith("$") && !segments[1].startsWith("_")
                ? segments[1]
                : null;
        String operation = null;
        for (String segment : segments) {
            if (segment.startsWith("$")) {
                operation = segment;
            }
        }
        if (type != null && idPart != null) {
            resources.add(type + "/" + idPart);
            if ("Patient".equals(type)) {
                patients.add(type + "/" + idPart);
            }
        }
        try {
            patientsFromParameters(type, request.getParameterMap(), patients);
        } catch (RuntimeException unparseable) {
            log.debug("Parameters of a rejected request could not be read: {}", unparseable.getMessage());
        }
        String interaction;
        if (operation != null) {
            interaction = "operation";
        } else {
            interaction = byMethod(request.getMethod(), type, idPart != null);
        }
        return new AuditEntry(
                now(),
                interaction,
                status,
                reason,
                AuditAgent.current(),
                request.getRemoteAddr(),
                acceptedPurposes(headerValues(request)),
                limit(patients),
                limit(resources),
                request.getMethod(),
                path,
                request.getQueryString(),
                operation);
    }

    private List<String> headerValues(HttpServletRequest request) {
        List<String> values = new ArrayList<>();
        var headers = request.getHeaders(properties.getPurposeOfUseHeader());
        while (headers != null && headers.hasMoreElements()) {
            values.add(headers.nextElement());
        }
        return values;
    }

    private static Instant now() {
        return Instant.now().truncatedTo(ChronoUnit.MILLIS);
    }

    private static List<String> limit(Set<String> refs) {
        return refs.stream().limit(MAX_REFS).toList();
    }

    /**
     * Purpose of use from the header: comma-separated {@code code} (HL7 v3 ActReason, e.g. TREAT, ETREAT, HOPERAT,
     * PATRQT) or {@code system|code}; malformed values are ignored. Normalized to {@code system|code}.
     */
    static List<String> purposeOfUse(List<String> headerValues) {
        if (headerValues == null || headerValues.isEmpty()) {
            return List.of();
        }
        Set<String> out = new LinkedHashSet<>();
        for (String header : headerValues) {
            if (header == null) {
                continue;
            }
            for (String raw : header.split(",")) {
                String value = raw.trim();
                int bar = value.lastIndexOf('|');
                String system = bar > 0 ? value.substring(0, bar) : BalpAuditEventBuilder.CS_ACT_REASON;
                String code = bar >= 0 ? value.substring(bar + 1) : value;
                if (SYSTEM.matcher(system).matches() && CODE.matcher(code).matches()) {
                    out.add(system + "|" + code);
                } else if (!value.isEmpty()) {
                    log.debug("Ignoring malformed purpose of use value");
                }
                if (out.size() >= 5) {
                    return List.copyOf(out);
                }
            }
        }
        return List.copyOf(out);
    }

    /**
     * Every patient a request names in its parameters: a {@code Patient/<id>} reference in any parameter value
     * (also {@code _has}, chains, full URLs), and a bare id given to a reference parameter that may point to a Patient
     * ({@code Condition?subject=<id>}, {@code patient=<id>}, {@code subject:Patient=<id>}; HAPI's search parameter
     * definitions tell which) or to {@code Patient?_id=}.
     */
    private void patientsFromParameters(String type, Map<String, String[]> parameters, Set<String> patients) {
        if (parameters == null) {
            return;
        }
        for (Map.Entry<String, String[]> p : parameters.entrySet()) {
            String name = p.getKey();
            if (p.getValue() == null || name == null) {
                continue;
            }
            int colon = name.indexOf(':');
            String base = colon > 0 ? name.substring(0, colon) : name;
            String modifier = colon > 0 ? name.substring(colon + 1) : "";
            boolean bareIdIsPatient = ("Patient".equals(type) && "_id".equals(base))
                    || "Patient".equals(modifier)
                    || (!name.contains(".") && referencesPatient(type, base));
            for (String value : p.getValue()) {
                if (value == null) {
                    continue;
                }
                for (String one : value.split(",")) {
                    String v = one.trim();
                    if (patients.size() >= MAX_REFS || v.isEmpty()) {
                        continue;
                    }
                    java.util.regex.Matcher ref = PATIENT_REF.matcher(v);
                    if (ref.find()) {
                        patients.add("Patient/" + ref.group(1));
                    } else if (bareIdIsPatient && BARE_ID.matcher(v).matches()) {
                        patients.add("Patient/" + v);
                    }
                }
            }
        }
    }

    private static final Pattern PATIENT_REF =
            Pattern.compile("(?:^|/|\\|)Patient/([A-Za-z0-9\\-.]{1,64})(?:/_history/[^/]*)?$");
    private static final Pattern BARE_ID = Pattern.compile("[A-Za-z0-9\\-.]{1,64}");

    /** Whether {@code type}'s search parameter {@code name} is a reference that may point to a Patient. */
    private boolean referencesPatient(String type, String name) {
        if (PATIENT_PARAMS.contains(name) && type == null) {
            return true;
        }
        try {
            ISearchParamRegistry registry = searchParams.getIfAvailable();
            RuntimeSearchParam param = type == null
                    ? null
                    : registry != null
                            ? registry.getActiveSearchParam(
                                    type, name, ISearchParamRegistry.SearchParamLookupContextEnum.ALL)
                            : fhirContext.getResourceDefinition(type).getSearchParam(name);
            return param != null
                    && param.getParamType() == RestSearchParameterTypeEnum.REFERENCE
                    && (param.getTargets().isEmpty() || param.getTargets().contains("Patient"));
        } catch (RuntimeException unknownType) {
            return PATIENT_PARAMS.contains(name);
        }
    }

    private static String stripVersion(String ref) {
        int history = ref.indexOf("/_history");
        return history > 0 ? ref.substring(0, history) : ref;
    }

    private void collect(IBaseResource resource, Set<String> patients, Set<String> resources, boolean response) {
        if (resource instanceof Bundle bundle) {
            for (Bundle.BundleEntryComponent entry : bundle.getEntry()) {
                if (entry.hasResource() && !(entry.getResource() instanceof OperationOutcome)) {
                    collectOne(entry.getResource(), patients, resources);
                }
                if (entry.hasResponse() && entry.getResponse().hasLocation()) {
                    String location = entry.getResponse().getLocation();
                    resources.add(stripVersion(location));
                    if (location.startsWith("Patient/")) {
                        patients.add(stripVersion(location));
                    }
                }
            }
            return;
        }
        if (resource instanceof Parameters parameters) {
            for (Parameters.ParametersParameterComponent p : parameters.getParameter()) {
                collectParameter(p, patients, resources);
            }
            return;
        }
        collectOne(resource, patients, resources);
    }

    private void collectParameter(
            Parameters.ParametersParameterComponent p, Set<String> patients, Set<String> resources) {
        if (p.getResource() != null) {
            collect(p.getResource(), patients, resources, false);
        }
        if (p.getValue() instanceof Reference ref
                && ref.hasReference()
                && ref.getReference().startsWith("Patient/")) {
            patients.add(stripVersion(ref.getReference()));
        }
        if (p.getValue() instanceof StringType s
                && s.getValue() != null
                && s.getValue().startsWith("Patient/")
                && ("patient".equals(p.getName()) || "subject".equals(p.getName()))) {
            patients.add(stripVersion(s.getValue()));
        }
        for (Parameters.ParametersParameterComponent part : p.getPart()) {
            collectParameter(part, patients, resources);
        }
    }

    private void collectOne(IBaseResource resource, Set<String> patients, Set<String> resources) {
        String type = fhirContext.getResourceType(resource);
        IIdType id = resource.getIdElement();
        if (id != null && id.hasIdPart() && !id.isLocal() && !id.getIdPart().startsWith("urn:")) {
            String ref = type + "/" + id.getIdPart();
            if (resources.size() < MAX_REFS) {
                resources.add(ref);
            }
            if ("Patient".equals(type)) {
                patients.add(ref);
            }
        }
        if (resource instanceof AuditEvent || "Patient".equals(type)) {
            return; // reading the audit trail is not reading the patient's record
        }
        if (resource instanceof Resource r && patients.size() < MAX_REFS) {
            try {
                FhirTerser terser = fhirContext.newTerser();
                // The Patient compartment's parameters also hold references to other types (CarePlan.performer,
                // Observation.performer, ...): only Patient owners are patients.
                for (IIdType owner : terser.getCompartmentOwnersForResource("Patient", r, (Set<String>) null)) {
                    if (owner.hasIdPart() && "Patient".equals(owner.getResourceType())) {
                        patients.add("Patient/" + owner.getIdPart());
                    }
                }
            } catch (RuntimeException e) {
                log.debug("No patient compartment for {}: {}", type, e.getMessage());
            }
        }
    }

    /**
     * The {@code http://hl7.org/fhir/restful-interaction} code: HAPI's own code of the operation where it is one of
     * that code system's, otherwise the nearest (a page of results is a search, metadata is {@code capabilities}).
     */
    static String interaction(
            RestOperationTypeEnum operation, String method, String type, IIdType id, IBaseResource body) {
        if (operation == null) {
            return byMethod(method, type, id != null && id.hasIdPart());
        }
        return switch (operation) {
            case READ,
                    VREAD,
                    UPDATE,
                    PATCH,
                    DELETE,
                    HISTORY_INSTANCE,
                    HISTORY_TYPE,
                    HISTORY_SYSTEM,
                    CREATE,
                    SEARCH_TYPE,
                    SEARCH_SYSTEM,
                    BATCH -> operation.getCode();
            case GET_PAGE -> RestOperationTypeEnum.SEARCH_TYPE.getCode();
            case METADATA -> "capabilities";
            case TRANSACTION -> body instanceof Bundle b && b.getType() == Bundle.BundleType.BATCH
                    ? RestOperationTypeEnum.BATCH.getCode()
                    : operation.getCode();
            default -> "operation";
        };
    }

    static String byMethod(String method, String type, boolean hasId) {
        if (method == null) {
            return "operation";
        }
        RequestTypeEnum type0;
        try {
            type0 = RequestTypeEnum.valueOf(method.toUpperCase());
        } catch (IllegalArgumentException unknown) {
            return "operation";
        }
        return switch (type0) {
            case GET, HEAD -> type == null ? "search-system" : (hasId ? "read" : "search-type");
            case POST -> type == null ? "transaction" : (hasId ? "operation" : "create");
            case PUT -> "update";
            case PATCH -> "patch";
            case DELETE -> "delete";
            default -> "operation";
        };
    }
}
