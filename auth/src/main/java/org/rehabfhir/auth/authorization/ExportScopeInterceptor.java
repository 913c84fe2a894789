package org.rehabfhir.auth.authorization;

import ca.uhn.fhir.context.FhirContext;
import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import ca.uhn.fhir.rest.api.server.RequestDetails;
import ca.uhn.fhir.rest.api.server.bulk.BulkExportJobParameters;
import ca.uhn.fhir.rest.server.exceptions.ForbiddenOperationException;
import java.util.Arrays;
import java.util.HashMap;
import java.util.List;
import java.util.Map;
import java.util.Optional;
import java.util.Set;
import java.util.TreeSet;
import java.util.function.Supplier;
import java.util.stream.Collectors;
import org.rehabfhir.auth.jwt.CallerContext;
import org.rehabfhir.auth.jwt.RehabSecurityContext;
import org.rehabfhir.auth.smart.EffectiveRights;
import org.rehabfhir.auth.smart.Permission;

/**
 * What a Bulk Data export ({@code $export} at system, Patient and Group level) and {@code Patient/$everything} may
 * hand out: only the types the caller's effective rights (token scopes ∩ role, so a narrower token exports less) may
 * read, never {@code Binary} (the export files themselves) nor {@code AuditEvent} (kept in the audit chain, read
 * through its own search). An explicit {@code _type} naming anything else is a 403 naming the types; without
 * {@code _type} the export is narrowed to the readable types. Each export's files are marked with the caller
 * ({@code Binary.securityContext.identifier} = token {@code iss} | {@code sub}), so only the caller may download them.
 * HAPI's own bulk export rule ({@link SmartAuthorizationInterceptor}) checks the narrowed types again.
 */
@Interceptor
public class ExportScopeInterceptor {

    /** Types never exported, whatever the rights. */
    public static final Set<String> NOT_EXPORTED = Set.of("Binary", "AuditEvent");

    private final Supplier<Optional<CallerContext>> callerSupplier;

    public ExportScopeInterceptor() {
        this(RehabSecurityContext::current);
    }

    ExportScopeInterceptor(Supplier<Optional<CallerContext>> callerSupplier) {
        this.callerSupplier = callerSupplier;
    }

    /** The types {@code rights} may export (user/system context; sorted). */
    public static Set<String> exportableTypes(FhirContext fhir, EffectiveRights rights) {
        return rights.rights().entrySet().stream()
                .filter(e -> e.getValue().contains(Permission.READ))
                .map(Map.Entry::getKey)
                .filter(type -> !NOT_EXPORTED.contains(type) && SmartAuthorizationInterceptor.isKnownType(fhir, type))
                .collect(Collectors.toCollection(TreeSet::new));
    }

    @Hook(Pointcut.STORAGE_PRE_INITIATE_BULK_EXPORT)
    public void narrowExport(BulkExportJobParameters parameters, RequestDetails request) {
        Optional<CallerContext> caller = callerSupplier.get();
        if (caller.isEmpty()) {
            return; // the server's own jobs
        }
        Set<String> exportable =
                exportableTypes(request.getFhirContext(), caller.get().rights());
        Set<String> requested = new TreeSet<>(parameters.getResourceTypes());
        parameters.setResourceTypes(narrow(requested, exportable, explicitTypes(request)));
        parameters.setBinarySecurityContextIdentifierSystem(caller.get().issuer());
        parameters.setBinarySecurityContextIdentifierValue(caller.get().subject());
    }

    /** When the handler is chosen, before HAPI binds the operation's parameters (bound before PRE_HANDLED). */
    @Hook(Pointcut.SERVER_INCOMING_REQUEST_PRE_HANDLER_SELECTED)
    public void narrowEverything(RequestDetails request) {
        if (!"$everything".equals(request.getOperation()) || !"Patient".equals(request.getResourceName())) {
            return;
        }
        Optional<CallerContext> caller = callerSupplier.get();
        if (caller.isEmpty()) {
            return;
        }
        FhirContext fhir = request.getFhirContext();
        Set<String> exportable = exportableTypes(fhir, caller.get().rights()).stream()
                .filter(type -> SmartAuthorizationInterceptor.inPatientCompartment(fhir, type))
                .collect(Collectors.toCollection(TreeSet::new));
        boolean explicit = explicitTypes(request);
        Set<String> requested = explicit ? typesOf(request) : exportable;
        Set<String> allowed = narrow(requested, exportable, explicit);
        Map<String, String[]> parameters = new HashMap<>(request.getParameters());
        parameters.put("_type", new String[] {String.join(",", allowed)});
        request.setParameters(parameters);
    }

    /** The requested types, refused (403 naming them) when asked for explicitly, else narrowed; never empty. */
    private static Set<String> narrow(Set<String> requested, Set<String> exportable, boolean explicit) {
        Set<String> refused = new TreeSet<>(requested);
        refused.removeAll(exportable);
        if (explicit && !refused.isEmpty()) {
            throw new ForbiddenOperationException("Access denied: _type names types this token may not export: "
                    + String.join(", ", refused) + " (it may export: " + String.join(", ", exportable) + ")");
        }
        Set<String> allowed = new TreeSet<>(requested);
        allowed.retainAll(exportable);
        if (allowed.isEmpty()) {
            throw new ForbiddenOperationException("Access denied: this token may export none of the types asked for"
                    + " (it may export: " + (exportable.isEmpty() ? "nothing" : String.join(", ", exportable)) + ")");
        }
        return allowed;
    }

    private static boolean explicitTypes(RequestDetails request) {
        String[] values = request.getParameters().get("_type");
        return values != null && Arrays.stream(values).anyMatch(v -> v != null && !v.isBlank());
    }

    private static Set<String> typesOf(RequestDetails request) {
        return Arrays.stream(request.getParameters().get("_type"))
                .flatMap(v -> List.of(v.split(",")).stream())
                .map(String::trim)
                .filter(t -> !t.isEmpty())
                .collect(Collectors.toCollection(TreeSet::new));
    }
}
