package org.rehabfhir.auth.discovery;

import ca.uhn.fhir.interceptor.api.Hook;
import ca.uhn.fhir.interceptor.api.Interceptor;
import ca.uhn.fhir.interceptor.api.Pointcut;
import java.util.EnumSet;
import java.util.Map;
import java.util.Set;
import org.hl7.fhir.instance.model.api.IBaseConformance;
import org.hl7.fhir.r4.model.CapabilityStatement;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestResourceComponent;
import org.hl7.fhir.r4.model.CapabilityStatement.CapabilityStatementRestSecurityComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Extension;
import org.hl7.fhir.r4.model.UriType;
import org.rehabfhir.auth.authorization.SmartAuthorizationInterceptor;
import org.rehabfhir.auth.smart.Permission;
import org.rehabfhir.auth.smart.RoleRights;

/**
 * Advertises SMART on FHIR in the CapabilityStatement's {@code rest.security}: the SMART-on-FHIR service coding
 * and the {@code oauth-uris} extension (token and authorize endpoints), as SMART App Launch requires. R4 only.
 *
 * <p>It also makes the CapabilityStatement (and so the OpenAPI description HAPI derives from it) say only what some
 * role may do ({@link RoleRights#anyRole()}, {@link RoleRights#anyRoleOperations()}): HAPI's JPA server describes
 * every resource type it stores, every interaction and its own operations ({@code $expunge}, {@code $reindex},
 * {@code $merge}, {@code $replace-references}, {@code $meta}, {@code $validate}...), which no role is granted.
 * <ul>
 *   <li>resource types: those some role has a right on, plus {@code OperationDefinition} (read by any caller: the
 *       CapabilityStatement references its operations' definitions);</li>
 *   <li>interactions per type: {@code r} gives read, vread and instance history; {@code s} search and type
 *       history; {@code c} create; {@code u} update and patch; never delete (clinical records are never deleted: a
 *       wrong entry is marked {@code entered-in-error}); conditional create/update only with {@code s};</li>
 *   <li>operations: only those some role may call; system interactions: transaction and batch (system-level search
 *       and history are refused).</li>
 * </ul>
 */
@Interceptor
public class SmartCapabilityStatementInterceptor {

    public static final String SERVICE_SYSTEM = "http://terminology.hl7.org/CodeSystem/restful-security-service";
    public static final String OAUTH_URIS = "http://fhir-registry.smarthealthit.org/StructureDefinition/oauth-uris";

    private final SmartConfiguration configuration;

    public SmartCapabilityStatementInterceptor(SmartConfiguration configuration) {
        this.configuration = configuration;
    }

    @Hook(Pointcut.SERVER_CAPABILITY_STATEMENT_GENERATED)
    public void addSecurity(IBaseConformance capabilityStatement) {
        if (!(capabilityStatement instanceof CapabilityStatement cs)) {
            return;
        }
        if (cs.getRest().isEmpty()) {
            cs.addRest().setMode(CapabilityStatement.RestfulCapabilityMode.SERVER);
        }
        for (CapabilityStatementRestComponent rest : cs.getRest()) {
            CapabilityStatementRestSecurityComponent security = new CapabilityStatementRestSecurityComponent();
            security.setCors(configuration.cors());
            security.addService(new CodeableConcept()
                    .addCoding(new org.hl7.fhir.r4.model.Coding(SERVICE_SYSTEM, "SMART-on-FHIR", "SMART-on-FHIR"))
                    .setText("OAuth2 using SMART-on-FHIR profile (see http://docs.smarthealthit.org)"));
            Extension oauth = security.addExtension().setUrl(OAUTH_URIS);
            oauth.addExtension(new Extension("token", new UriType(configuration.tokenEndpoint())));
            oauth.addExtension(new Extension("authorize", new UriType(configuration.authorizationEndpoint())));
            security.setDescription("Bearer access tokens from the Keycloak realm; SMART App Launch 2 scopes "
                    + "intersected with the realm roles physiotherapist, auditor, ehr-system. "
                    + "See .well-known/smart-configuration.");
            rest.setSecurity(security);
            onlyWhatSomeRoleMayDo(rest);
        }
    }

    static void onlyWhatSomeRoleMayDo(CapabilityStatementRestComponent rest) {
        Map<String, Set<Permission>> offered = RoleRights.anyRole();
        Set<String> operations = RoleRights.anyRoleOperations();
        rest.getResource()
                .removeIf(r -> !offered.containsKey(r.getType())
                        && !SmartAuthorizationInterceptor.READABLE_BY_ANY_CALLER.contains(r.getType()));
        for (CapabilityStatementRestResourceComponent resource : rest.getResource()) {
            Set<Permission> may = offered.getOrDefault(resource.getType(), EnumSet.of(Permission.READ));
            resource.getInteraction().removeIf(i -> !allowed(i.getCode(), may));
            resource.setConditionalDelete(CapabilityStatement.ConditionalDeleteStatus.NOTSUPPORTED);
            if (!may.contains(Permission.SEARCH) || !may.contains(Permission.CREATE)) {
                resource.setConditionalCreate(false);
            }
            if (!may.contains(Permission.SEARCH) || !may.contains(Permission.UPDATE)) {
                resource.setConditionalUpdate(false);
            }
            if (!may.contains(Permission.SEARCH)) {
                resource.getSearchParam().clear();
                resource.getSearchInclude().clear();
                resource.getSearchRevInclude().clear();
            }
            resource.getOperation().removeIf(o -> !operations.contains(dollar(o.getName())));
        }
        rest.getOperation().removeIf(o -> !operations.contains(dollar(o.getName())));
        rest.getInteraction()
                .removeIf(i -> i.getCode() != CapabilityStatement.SystemRestfulInteraction.TRANSACTION
                        && i.getCode() != CapabilityStatement.SystemRestfulInteraction.BATCH);
    }

    private static boolean allowed(CapabilityStatement.TypeRestfulInteraction interaction, Set<Permission> may) {
        if (interaction == null) {
            return false;
        }
        return switch (interaction) {
            case READ, VREAD, HISTORYINSTANCE -> may.contains(Permission.READ);
            case SEARCHTYPE, HISTORYTYPE -> may.contains(Permission.SEARCH);
            case CREATE -> may.contains(Permission.CREATE);
            case UPDATE, PATCH -> may.contains(Permission.UPDATE);
            default -> false; // delete, and anything unknown
        };
    }

    private static String dollar(String name) {
        return name == null ? "" : name.startsWith("$") ? name : "$" + name;
    }
}
