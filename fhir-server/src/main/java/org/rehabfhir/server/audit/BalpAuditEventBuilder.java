package org.rehabfhir.server.audit;

import ca.uhn.fhir.storage.interceptor.balp.BalpConstants;
import java.nio.charset.StandardCharsets;
import java.util.Date;
import org.hl7.fhir.r4.model.AuditEvent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentComponent;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventAgentNetworkType;
import org.hl7.fhir.r4.model.AuditEvent.AuditEventEntityComponent;
import org.hl7.fhir.r4.model.CodeableConcept;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.Identifier;
import org.hl7.fhir.r4.model.InstantType;
import org.hl7.fhir.r4.model.Reference;

/**
 * Builds the FHIR AuditEvent of one {@link AuditEntry} in the shape of IHE Basic Audit Log Patterns (BALP) RESTful
 * events: type {@code rest}, subtype the FHIR interaction, the user (requestor), the client application (source
 * role, with the network address), the server (destination role), the patient(s), the resources and, for searches,
 * the query. Only codes of HL7 and DICOM code systems are used; the BALP ones come from HAPI's {@link BalpConstants}.
 */
public final class BalpAuditEventBuilder {

    public static final String CS_DICOM = "http://dicom.nema.org/resources/ontology/DCM";
    public static final String CS_PARTICIPATION_TYPE = "http://terminology.hl7.org/CodeSystem/v3-ParticipationType";
    /** The caller's Keycloak realm role in {@code agent[0].role} (physiotherapist, auditor, ehr-system). */
    public static final String CS_USER_ROLE = "http://rehab-fhir.org/fhir/CodeSystem/user-role";

    public static final String CS_SOURCE_TYPE = "http://terminology.hl7.org/CodeSystem/security-source-type";
    public static final String CS_ACT_REASON = "http://terminology.hl7.org/CodeSystem/v3-ActReason";
    public static final String SERVER_NAME = "Rehab-FHIR";

    private BalpAuditEventBuilder() {}

    public static AuditEvent build(AuditEntry entry, long seq) {
        AuditEvent event = new AuditEvent();
        event.setId(Long.toString(seq));
        event.getMeta().setVersionId("1");
        event.getMeta().setLastUpdatedElement(new InstantType(Date.from(entry.recorded())));
        event.setType(new Coding(BalpConstants.CS_AUDIT_EVENT_TYPE, "rest", "Restful Operation"));
        event.addSubtype(new Coding(BalpConstants.CS_RESTFUL_INTERACTION, entry.interaction(), null));
        event.setAction(AuditEvent.AuditEventAction.fromCode(entry.action()));
        event.setRecordedElement(new InstantType(Date.from(entry.recorded())));
        event.setOutcome(AuditEvent.AuditEventOutcome.fromCode(entry.outcome()));
        event.setOutcomeDesc(describe(entry));
        for (String purpose : entry.purposeOfUse()) {
            event.addPurposeOfEvent(purposeConcept(purpose));
        }

        AuditAgent agent = entry.agent();
        // the user (or, for a machine client, its service account): the requestor
        AuditEventAgentComponent user = event.addAgent();
        user.setType(new CodeableConcept(new Coding(CS_PARTICIPATION_TYPE, "IRCP", "information recipient")));
        Reference who = new Reference();
        if (agent.subject() != null) {
            who.setIdentifier(new Identifier().setSystem(agent.issuer()).setValue(agent.subject()));
        }
        if (agent.fhirUser() != null) {
            who.setReference(agent.fhirUser());
        }
        who.setDisplay(agent.isAnonymous() ? "anonymous (no valid access token)" : agent.displayName());
        user.setWho(who);
        if (agent.username() != null) {
            user.setName(agent.username());
        }
        user.setRequestor(true);
        for (String role : agent.roles()) {
            user.addRole(new CodeableConcept(new Coding(CS_USER_ROLE, role, null)));
        }
        if (agent.tokenId() != null) {
            user.addPolicy(agent.tokenId()); // BALP: the token's jti
        }
        for (String purpose : entry.purposeOfUse()) {
            user.addPurposeOfUse(purposeConcept(purpose));
        }

        // the client application (OAuth client, azp) with the network address the request came from
        AuditEventAgentComponent client = event.addAgent();
        client.setType(new CodeableConcept(new Coding(CS_DICOM, "110153", "Source Role ID")));
        Reference clientWho =
                new Reference().setDisplay(agent.clientId() != null ? agent.clientId() : "unknown client");
        if (agent.clientId() != null) {
            clientWho.setIdentifier(new Identifier().setSystem(agent.issuer()).setValue(agent.clientId()));
        }
        client.setWho(clientWho);
        client.setRequestor(false);
        if (entry.sourceIp() != null) {
            client.getNetwork().setAddress(entry.sourceIp()).setType(AuditEventAgentNetworkType._2);
        }

        // this server
        AuditEventAgentComponent server = event.addAgent();
        server.setType(new CodeableConcept(new Coding(CS_DICOM, "110152", "Destination Role ID")));
        server.setWho(new Reference().setDisplay(SERVER_NAME));
        server.setRequestor(false);

        event.getSource().setSite(SERVER_NAME);
        event.getSource().setObserver(new Reference().setDisplay(SERVER_NAME));
        event.getSource().addType(new Coding(CS_SOURCE_TYPE, "4", "Application Server"));

        for (String patient : entry.patientRefs()) {
            AuditEventEntityComponent entity = event.addEntity();
            entity.setWhat(new Reference(patient));
            entity.setType(new Coding(
                    BalpConstants.CS_AUDIT_ENTITY_TYPE,
                    BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON,
                    BalpConstants.CS_AUDIT_ENTITY_TYPE_1_PERSON_DISPLAY));
            entity.setRole(new Coding(
                    BalpConstants.CS_OBJECT_ROLE,
                    BalpConstants.CS_OBJECT_ROLE_1_PATIENT,
                    BalpConstants.CS_OBJECT_ROLE_1_PATIENT_DISPLAY));
        }
        for (String resource : entry.resourceRefs()) {
            if (entry.patientRefs().contains(resource)) {
                continue;
            }
            AuditEventEntityComponent entity = event.addEntity();
            entity.setWhat(new Reference(resource));
            entity.setType(systemObject());
            entity.setRole(new Coding(
                    BalpConstants.CS_OBJECT_ROLE,
                    BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE,
                    BalpConstants.CS_OBJECT_ROLE_4_DOMAIN_RESOURCE_DISPLAY));
        }
        if (entry.query() != null && !entry.query().isEmpty()) {
            AuditEventEntityComponent query = event.addEntity();
            query.setType(systemObject());
            query.setRole(new Coding(BalpConstants.CS_OBJECT_ROLE, BalpConstants.CS_OBJECT_ROLE_24_QUERY, "Query"));
            query.setQuery(entry.query().getBytes(StandardCharsets.UTF_8));
            query.setDescription(entry.requestMethod() + " " + entry.requestPath());
        }
        return event;
    }

    private static Coding systemObject() {
        return new Coding(
                BalpConstants.CS_AUDIT_ENTITY_TYPE,
                BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT,
                BalpConstants.CS_AUDIT_ENTITY_TYPE_2_SYSTEM_OBJECT_DISPLAY);
    }

    private static String describe(AuditEntry entry) {
        StringBuilder text = new StringBuilder();
        text.append(entry.requestMethod())
                .append(' ')
                .append(entry.requestPath())
                .append(": HTTP ")
                .append(entry.httpStatus());
        if (entry.outcomeDescription() != null && !entry.outcomeDescription().isBlank()) {
            text.append(" - ").append(entry.outcomeDescription());
        }
        return text.length() > 1000 ? text.substring(0, 1000) : text.toString();
    }

    /** {@code system|code} or a bare code (then of v3-ActReason). */
    static CodeableConcept purposeConcept(String purpose) {
        int bar = purpose.lastIndexOf('|');
        String system = bar > 0 ? purpose.substring(0, bar) : CS_ACT_REASON;
        String code = bar >= 0 ? purpose.substring(bar + 1) : purpose;
        return new CodeableConcept(new Coding(system, code, null));
    }
}
