package org.rehabfhir.server.audit;

import ca.uhn.fhir.jpa.api.dao.DaoRegistry;
import ca.uhn.fhir.rest.annotation.IdParam;
import ca.uhn.fhir.rest.annotation.Operation;
import ca.uhn.fhir.rest.annotation.OperationParam;
import ca.uhn.fhir.rest.api.server.SystemRequestDetails;
import ca.uhn.fhir.rest.param.DateRangeParam;
import ca.uhn.fhir.rest.server.exceptions.InvalidRequestException;
import ca.uhn.fhir.rest.server.exceptions.ResourceGoneException;
import com.fasterxml.jackson.databind.JsonNode;
import com.fasterxml.jackson.databind.ObjectMapper;
import java.util.ArrayList;
import java.util.Date;
import java.util.LinkedHashSet;
import java.util.List;
import java.util.Set;
import org.hl7.fhir.r4.model.CodeType;
import org.hl7.fhir.r4.model.Coding;
import org.hl7.fhir.r4.model.DateTimeType;
import org.hl7.fhir.r4.model.IdType;
import org.hl7.fhir.r4.model.IntegerType;
import org.hl7.fhir.r4.model.Parameters;
import org.hl7.fhir.r4.model.Patient;
import org.hl7.fhir.r4.model.Reference;
import org.hl7.fhir.r4.model.StringType;
import org.rehabfhir.server.config.FhirOperationProvider;
import org.springframework.stereotype.Component;

/**
 * {@code GET /fhir/Patient/{id}/$access-log} (auditor): who accessed the patient's data, when, what, with which
 * outcome and for what purpose, newest first, filtered and paged. What a patient may ask under GDPR Art. 15 (CJEU
 * C-579/21: dates and purposes of the consultations) and what an auditor needs to review it (the agent's name, role
 * and client).
 *
 * <p>Counted by default: successful reads, searches, history and operations (AuditEvent action R or E, outcome 0)
 * whose AuditEvent names the patient, except {@code $access-log} calls themselves. Parameters:
 * <ul>
 *   <li>{@code date}: range of {@code recorded}, with prefixes ({@code ge2026-05-01}, {@code lt2026-06-01}), repeatable;</li>
 *   <li>{@code agent}: exact {@code sub}, {@code preferred_username}, client id ({@code azp}) or {@code fhirUser};</li>
 *   <li>{@code outcome}: {@code 0} (default), {@code 4}, {@code 8}, or {@code any} (refused and failed attempts too);</li>
 *   <li>{@code _count} (default {@code rehab.audit.access-log-page-size}, at most
 *       {@code rehab.audit.access-log-max-entries}) and {@code _offset}.</li>
 * </ul>
 * The answer carries {@code total} (all matching entries), {@code offset}, {@code count} and, when more follow,
 * {@code nextOffset}. A patient that was never stored is answered with 404; a deleted patient still has its access log.
 */
@Component
public class AccessLogProvider implements FhirOperationProvider {

    private static final ObjectMapper JSON = new ObjectMapper();
    private static final Set<String> OUTCOMES = Set.of("0", "4", "8");

    private final AuditStore store;
    private final AuditProperties properties;
    private final DaoRegistry daoRegistry;

    public AccessLogProvider(AuditStore store, AuditProperties properties, DaoRegistry daoRegistry) {
        this.store = store;
        this.properties = properties;
        this.daoRegistry = daoRegistry;
    }

    @Operation(name = "$access-log", typeName = "Patient", idempotent = true)
    public Parameters accessLog(
            @IdParam IdType patientId,
            @OperationParam(name = "date") DateRangeParam date,
            @OperationParam(name = "agent", max = 1) StringType agent,
            @OperationParam(name = "outcome", max = 1) StringType outcome,
            @OperationParam(name = "_count", max = 1) IntegerType count,
            @OperationParam(name = "_offset", max = 1) IntegerType offset) {
        String patient = "Patient/" + patientId.getIdPart();
        int max = Math.max(1, properties.getAccessLogMaxEntries());
        int pageSize = count == null || count.getValue() == null
                ? Math.min(max, Math.max(1, properties.getAccessLogPageSize()))
                : count.getValue();
        if (pageSize < 1 || pageSize > max) {
            throw new InvalidRequestException("_count must be between 1 and " + max);
        }
        int skip = offset == null || offset.getValue() == null ? 0 : offset.getValue();
        if (skip < 0) {
            throw new InvalidRequestException("_offset must not be negative");
        }
        String outcomeFilter =
                outcome == null || outcome.isEmpty() ? "0" : outcome.getValue().trim();
        if (!"any".equals(outcomeFilter) && !OUTCOMES.contains(outcomeFilter)) {
            throw new InvalidRequestException("outcome must be 0, 4, 8 or any");
        }
        try {
            // 404 (ResourceNotFoundException) for a patient this server never held
            daoRegistry.getResourceDao(Patient.class).read(new IdType(patient), new SystemRequestDetails());
        } catch (ResourceGoneException deleted) {
            // deleted since: its accesses stay on record and may still be asked for
        }

        List<String> where = new ArrayList<>();
        List<Object> args = new ArrayList<>();
        where.add("patient_refs @> ARRAY[?]::text[]");
        args.add(patient);
        where.add("action IN ('R', 'E')");
        where.add("(operation IS NULL OR operation <> '$access-log')");
        if (!"any".equals(outcomeFilter)) {
            where.add("outcome = ?");
            args.add(outcomeFilter);
        }
        if (agent != null && !agent.isEmpty()) {
            where.add("(agent_sub = ? OR agent_username = ? OR client_id = ? OR fhir_user = ?)");
            for (int i = 0; i < 4; i++) {
                args.add(agent.getValue().trim());
            }
        }
        AuditEventResourceProvider.recordedWithin(date, where, args);
        String sql = String.join(" AND ", where);
        int total = store.count(sql, args);
        List<AuditRow> rows = store.query(sql, args, true, skip, pageSize);

        Parameters out = new Parameters();
        out.addParameter().setName("patient").setValue(new Reference(patient));
        out.addParameter().setName("total").setValue(new IntegerType(total));
        out.addParameter().setName("offset").setValue(new IntegerType(skip));
        out.addParameter().setName("count").setValue(new IntegerType(rows.size()));
        if (skip + rows.size() < total) {
            out.addParameter().setName("nextOffset").setValue(new IntegerType(skip + rows.size()));
        }
        for (AuditRow row : rows) {
            addEntry(out, row);
        }
        return out;
    }

    private static void addEntry(Parameters out, AuditRow row) {
        Parameters.ParametersParameterComponent access = out.addParameter().setName("access");
        access.addPart().setName("date").setValue(new DateTimeType(Date.from(row.recorded())));
        access.addPart().setName("interaction").setValue(new CodeType(row.interaction()));
        if (row.operation() != null) {
            access.addPart().setName("operation").setValue(new StringType(row.operation()));
        }
        if (row.requestMethod() != null && row.requestPath() != null) {
            access.addPart().setName("what").setValue(new StringType(row.requestMethod() + " " + row.requestPath()));
        }
        access.addPart()
                .setName("outcome")
                .setValue(new Coding(
                        "http://hl7.org/fhir/audit-event-outcome", row.outcome(), outcomeDisplay(row.outcome())));
        access.addPart().setName("httpStatus").setValue(new IntegerType(row.httpStatus()));
        Parameters.ParametersParameterComponent agent = access.addPart().setName("agent");
        agent.addPart().setName("name").setValue(new StringType(agentName(row)));
        if (row.agentSub() != null) {
            agent.addPart().setName("subject").setValue(new StringType(row.agentSub()));
        }
        if (row.fhirUser() != null) {
            agent.addPart().setName("fhirUser").setValue(new Reference(row.fhirUser()));
        }
        for (String role : roles(row.eventJson())) {
            agent.addPart().setName("role").setValue(new Coding(BalpAuditEventBuilder.CS_USER_ROLE, role, null));
        }
        if (row.clientId() != null) {
            agent.addPart().setName("client").setValue(new StringType(row.clientId()));
        }
        if (row.purposeOfUse() != null) {
            for (String purpose : row.purposeOfUse().split(",")) {
                access.addPart()
                        .setName("purposeOfUse")
                        .setValue(BalpAuditEventBuilder.purposeConcept(purpose).getCodingFirstRep());
            }
        }
        access.addPart().setName("auditEvent").setValue(new Reference("AuditEvent/" + row.seq()));
    }

    static String agentName(AuditRow row) {
        if (row.agentUsername() != null && !row.agentUsername().startsWith("service-account-")) {
            return row.agentUsername();
        }
        if (row.clientId() != null) {
            return row.clientId();
        }
        return row.agentSub() != null ? row.agentSub() : "anonymous";
    }

    static String outcomeDisplay(String outcome) {
        return switch (outcome) {
            case "0" -> "Success";
            case "4" -> "Minor failure";
            case "8" -> "Serious failure";
            case "12" -> "Major failure";
            default -> outcome;
        };
    }

    /** The realm roles recorded in the AuditEvent's requestor agent ({@code agent[0].role}); events before they were recorded have none. */
    static Set<String> roles(String eventJson) {
        Set<String> roles = new LinkedHashSet<>();
        if (eventJson == null) {
            return roles;
        }
        try {
            JsonNode agents = JSON.readTree(eventJson).path("agent");
            if (agents.isArray() && !agents.isEmpty()) {
                for (JsonNode role : agents.get(0).path("role")) {
                    for (JsonNode coding : role.path("coding")) {
                        if (BalpAuditEventBuilder.CS_USER_ROLE.equals(
                                coding.path("system").asText())) {
                            roles.add(coding.path("code").asText());
                        }
                    }
                }
            }
        } catch (Exception unreadable) {
            // no roles shown for an event that cannot be read (verify-chain reports tampering)
        }
        return roles;
    }
}
